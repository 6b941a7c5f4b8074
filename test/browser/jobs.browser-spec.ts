import request from 'supertest';
import { describeInBrowser, picturesLoad, useBrowserSessionOnFakeGemini } from '../support/browser.js';

describeInBrowser('the web app: a drawing waits in the line, and a reload finds it again', () => {
  // One slot at Gemini (the fake server): what the view shows while its job waits is easy to reach.
  const { session: s, fake } = useBrowserSessionOnFakeGemini({ GEMINI_MAX_CONCURRENT: '1', RATE_LIMIT_ENABLED: 'false' });

  it('shows its place in the line and then its drawing, across a reload', async () => {
    let open!: () => void;
    fake.gemini.enqueue({ kind: 'image', until: new Promise<void>((resolve) => (open = resolve)) });
    const asyncly = (prompt: string) => request(s.t.server).post('/api/v2/images/generate').set('Prefer', 'respond-async').send({ prompt }).expect(202);
    await asyncly('another table’s dragon'); // drawing now, held
    await fake.gemini.waitForRequests(1);
    await asyncly('another table’s wyvern'); // next in line

    await s.open('generate');
    const form = s.page.getByRole('region', { name: 'Generate an image' });
    const status = form.getByRole('status');
    await form.getByLabel('Prompt').fill('our own griffin over the pass');
    await form.getByRole('button', { name: 'Generate' }).click();
    await status.getByText('waiting in line: 1 ahead').waitFor();

    // A reload while it waits: the view finds its job again and goes on showing it.
    await s.page.reload();
    await status.getByText('Generating…').waitFor();
    await status.getByText('waiting in line: 1 ahead').waitFor();
    expect(await form.getByRole('button', { name: 'Generate' }).isDisabled()).toBe(true);
    await s.screenshot('generate-waiting-in-line');

    open();
    await status.getByText('Done.').waitFor();
    const result = form.getByRole('figure');
    await result.getByRole('img', { name: 'our own griffin over the pass' }).waitFor();
    await picturesLoad(result);
    // Once shown, it is forgotten: another reload shows an empty form.
    await s.page.reload();
    await form.getByLabel('Prompt').waitFor();
    expect(await status.textContent()).toBe('');
  });
});
