import request from 'supertest';
import { describeInBrowser, useBrowserSessionOnFakeGemini } from '../support/browser.js';

const REQUESTS_PER_MINUTE = 3;

describeInBrowser('the web app: errors a person can act on', () => {
  // Gemini through the real SDK against the fake server, with a daily cap of one image and a
  // rate limit: its own file, as each configuration needs its own app.
  const { session: s, fake } = useBrowserSessionOnFakeGemini({
    GEMINI_MAX_RETRIES: '1',
    GEMINI_DAILY_IMAGE_LIMIT: '1',
    RATE_LIMIT_ENABLED: 'true',
    MAX_REQUESTS_PER_MINUTE: String(REQUESTS_PER_MINUTE),
    RATE_LIMIT_WINDOW_SECONDS: '60',
  });

  const form = () => s.page.getByRole('region', { name: 'Generate an image' });
  /** Submits the form with this prompt and answers the service's response. */
  const generate = async (prompt: string) => {
    await form().getByLabel('Prompt').fill(prompt);
    const answer = s.page.waitForResponse((response) => response.url().endsWith('/api/v2/images/generate'));
    await form().getByRole('button', { name: 'Generate' }).click();
    return answer;
  };
  const status = () => form().getByRole('status');
  const storedImages = async () => (await request(s.t.server).get('/api/v2/images/search').expect(200)).body.total as number;

  it('shows a safety refusal with Gemini’s reason', async () => {
    await s.open('generate');
    fake.gemini.enqueue({ kind: 'finish', finishReason: 'IMAGE_SAFETY' });
    expect((await generate('a duel in the duke’s ballroom')).status()).toBe(202); // queued; the refusal comes from its job
    await status().getByText('Refused by the safety filter (IMAGE_SAFETY)').waitFor();
    expect(await status().textContent()).toContain('Rephrase the prompt');
    await s.screenshot('generate-safety-refusal');
    expect(await storedImages()).toBe(0);
  });

  it('shows the daily cap with the time until it resets', async () => {
    fake.gemini.enqueue({ kind: 'image' });
    expect((await generate('a tavern sign swinging in the wind')).status()).toBe(202);
    await status().getByText('Done.').waitFor();

    const capped = await generate('one more picture today');
    expect(capped.status()).toBe(503); // refused before it could queue
    const seconds = Number(capped.headers()['retry-after']);
    const hours = Math.floor(seconds / 3600);
    await status().getByText(/^The daily Gemini image cap is reached: try again in \d/).waitFor();
    expect(await status().textContent()).toContain(hours > 0 ? `try again in ${hours} h` : 'try again in');
    expect(await status().textContent()).toContain('GEMINI_DAILY_IMAGE_LIMIT=1');
    expect(await form().getByRole('figure').count()).toBe(0); // the earlier result is not shown as this one's
    await s.screenshot('generate-daily-cap');
    expect(await storedImages()).toBe(1);
  });

  it('shows a rate limit with the seconds to wait, and leaves the form ready to try again', async () => {
    const refused = await generate('one kobold too many');
    expect(refused.status()).toBe(429); // the fourth request this minute
    const retryAfter = Number(refused.headers()['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    await status().getByText(`Too many requests: try again in ${retryAfter} s`).waitFor();
    expect(await status().textContent()).toContain(`at most ${REQUESTS_PER_MINUTE} per 60 s per client`);
    expect(await form().getByRole('button', { name: 'Generate' }).isEnabled()).toBe(true);
    await s.screenshot('generate-rate-limited');
    expect(await storedImages()).toBe(1);
  });
});
