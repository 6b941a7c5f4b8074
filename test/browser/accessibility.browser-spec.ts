import axe from 'axe-core';
import type { Page } from 'playwright-core';
import request from 'supertest';
import type { ImageDto } from '../../src/images/dto/image.dto.js';
import { describeInBrowser, picturesLoad, useBrowserSession } from '../support/browser.js';

const ADMIN_KEY = 'a-long-admin-key-for-the-accessibility-check';

/** WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];

interface Violation {
  id: string;
  impact: string | null | undefined;
  help: string;
  nodes: Array<{ target: string; summary: string }>;
}

/** What axe found: one line per failing element, and the rules that applied and passed. */
interface AxeReport {
  violations: string[];
  passed: string[];
}

/**
 * Runs axe-core over the page as it is now. Its source goes in through `page.evaluate` (which
 * helmet's CSP does not block, unlike a <script> tag).
 */
async function runAxe(page: Page): Promise<AxeReport> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const { violations, passed } = await page.evaluate(async (tags) => {
    const results = await (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return {
      violations: results.violations.map(
        (violation): Violation => ({
          id: violation.id,
          impact: violation.impact,
          help: violation.help,
          nodes: violation.nodes.map((node) => ({ target: node.target.join(' '), summary: (node.failureSummary ?? '').replace(/\s+/g, ' ').trim() })),
        }),
      ),
      passed: results.passes.map((rule) => rule.id),
    };
  }, AXE_TAGS);
  return {
    violations: violations.flatMap((violation) => violation.nodes.map((node) => `${violation.id} (${violation.impact}): ${violation.help} — ${node.target}: ${node.summary}`)),
    passed,
  };
}

describeInBrowser('the web app: accessibility (axe-core, WCAG 2 A/AA and best practices)', () => {
  // With a key configured, the admin view shows its tables only once the key is entered.
  const s = useBrowserSession({ env: { ADMIN_API_KEY: ADMIN_KEY } });
  const api = () => request(s.t.server);
  const view = (heading: string) => s.page.getByRole('region', { name: heading });
  const grid = () => s.page.getByRole('list', { name: 'Images' });
  /** Fails with axe's findings, one line each (rule, impact, element, what to fix); answers the rules that passed. */
  const expectNoViolations = async () => {
    const { violations, passed } = await runAxe(s.page);
    expect(violations).toEqual([]);
    expect(passed.length).toBeGreaterThan(10); // axe did run
    return passed;
  };

  let character: ImageDto;
  beforeAll(async () => {
    // What a user sees after a while: pictures in the gallery, a featured character the drawing
    // forms offer, a scene in the cache and a backup in the admin view.
    character = (await api().post('/api/v2/images/generate').send({ prompt: 'a dwarf paladin in a torch-lit crypt', itemId: 'char-dwarf', itemType: 'character' }).expect(201)).body;
    await api().post('/api/v2/images/generate').send({ prompt: 'a map of the sunken city', itemType: 'location' }).expect(201);
    await api().put(`/api/v2/images/${character.id}/feature`).send({ featured: true }).expect(200);
    await api().post('/api/v2/scenes/generate').send({ description: 'a ruined watchtower at dawn' }).expect(200);
    await api().post('/api/v2/maintenance/backup').set('Authorization', `Bearer ${ADMIN_KEY}`).expect(201);
  });

  it('finds nothing in the gallery, with pictures, nor in the image dialog', async () => {
    await s.open('gallery');
    await grid().getByRole('listitem').nth(1).waitFor();
    await picturesLoad(grid());
    await expectNoViolations();

    await grid().getByRole('button', { name: character.prompt, exact: true }).click();
    const dialog = s.page.getByRole('dialog', { name: 'Image details' });
    await dialog.waitFor();
    await picturesLoad(dialog);
    await expectNoViolations();
    await dialog.getByRole('button', { name: 'Edit…' }).click();
    await dialog.getByRole('form', { name: 'Edit this image' }).waitFor();
    await expectNoViolations();
  });

  it('finds nothing in the generate view, before and after a drawing', async () => {
    await s.open('generate');
    const form = view('Generate an image');
    await form.getByRole('checkbox', { name: 'char-dwarf' }).waitFor();
    await expectNoViolations();

    await form.getByLabel('Prompt').fill('a halfling bard playing at the inn');
    await form.getByRole('button', { name: 'Generate' }).click();
    await form.getByRole('status').getByText('Done.').waitFor();
    await picturesLoad(form.getByRole('figure'));
    await expectNoViolations();
  });

  it('finds nothing in the scenes view, with a scene served from the cache', async () => {
    await s.open('scenes');
    const form = view('Describe a scene');
    await form.getByRole('checkbox', { name: 'char-dwarf' }).waitFor();
    await form.getByLabel('Description').fill('a ruined watchtower at dawn');
    await form.getByRole('button', { name: 'Show the scene' }).click();
    await form.getByText('Cached (HIT)').waitFor();
    await picturesLoad(form.getByRole('figure'));
    await expectNoViolations();
  });

  it('finds nothing in the import view', async () => {
    await s.open('import');
    await view('Import from this browser').getByText('is empty: there is nothing to import').waitFor();
    await expectNoViolations();
  });

  it('finds nothing in the admin view, with the key entered (statistics, backups, jobs and their Run now buttons)', async () => {
    await s.open('admin');
    const admin = view('Look after the service');
    await admin.getByLabel('Admin key').fill(ADMIN_KEY);
    await admin.getByRole('button', { name: 'Use this key' }).click();
    await admin.getByRole('region', { name: 'Scheduled jobs' }).getByRole('table').waitFor();
    await admin.getByRole('region', { name: 'Backups' }).getByRole('table').waitFor();
    await admin.getByRole('region', { name: 'Statistics' }).getByRole('heading', { name: 'Images' }).waitFor();
    // The rule the Run now buttons once failed (their name did not contain "Run now") applied here.
    expect(await expectNoViolations()).toContain('label-content-name-mismatch');

    await admin.getByRole('button', { name: 'Dry run' }).click();
    await admin.getByText('Dry run: would remove').waitFor();
    await admin.getByRole('button', { name: 'Clear the cache…' }).click();
    await s.page.getByRole('dialog', { name: /Clear the scene cache/ }).waitFor();
    await expectNoViolations(); // the confirmation dialog, over the dry run's report
    await s.page.keyboard.press('Escape');
  });
});
