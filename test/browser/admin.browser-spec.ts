import { randomUUID } from 'node:crypto';
import { access, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { definitions, describeInBrowser, SCREENSHOT_DIR, useBrowserSession } from '../support/browser.js';

const ADMIN_KEY = 'a-long-admin-key-for-the-browser-tests';
const DAY_MS = 86_400_000;

describeInBrowser('the web app: admin', () => {
  // With a key configured, even this machine must present it: the key field is exercised.
  const s = useBrowserSession({ env: { ADMIN_API_KEY: ADMIN_KEY, CACHE_EXPIRY_DAYS: '7' } });
  beforeAll(async () => {
    for (const prompt of ['a lich on a bone throne', 'a treant guarding a grove']) {
      await request(s.t.server).post('/api/v2/images/generate').send({ prompt }).expect(201);
    }
  });

  const view = () => s.page.getByRole('region', { name: 'Look after the service' });
  const status = () => view().getByRole('status').first();
  const panel = (name: string) => view().getByRole('region', { name });
  const statGroup = (title: string) => panel('Statistics').locator('.stat-group', { has: s.page.getByRole('heading', { name: title, exact: true }) });
  const admin = (method: 'get' | 'post', url: string) => request(s.t.server)[method](url).set('Authorization', `Bearer ${ADMIN_KEY}`);
  const confirmWith = async (message: RegExp, button: string) => {
    const dialog = s.page.getByRole('dialog', { name: message });
    await dialog.getByRole('button', { name: button, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  it('asks for the admin key, keeps it in sessionStorage only, then shows the statistics', async () => {
    await s.open('admin');
    await status().getByText('This needs the admin key: enter it under Admin').waitFor();
    await statGroup('Scene cache').waitFor(); // public, shown without the key
    expect(await statGroup('Images').count()).toBe(0);

    await view().getByLabel('Admin key').fill(ADMIN_KEY);
    await view().getByRole('button', { name: 'Use this key' }).click();
    await statGroup('Images').waitFor();
    const stats = (await admin('get', '/api/v2/maintenance/stats').expect(200)).body;
    expect(await definitions(statGroup('Images'))).toMatchObject({ Active: String(stats.images.active), Featured: '0' });
    expect(stats.images.active).toBe(2);
    const stored = await s.page.evaluate(() => ({ session: Object.values(sessionStorage), local: JSON.stringify(localStorage) }));
    expect(stored.session).toContain(ADMIN_KEY);
    expect(stored.local).not.toContain(ADMIN_KEY);

    // A reload in the same tab keeps the key.
    await s.open('admin');
    expect(await view().getByLabel('Admin key').inputValue()).toBe(ADMIN_KEY);
    await statGroup('Images').waitFor();
  });

  it('sends the key to admin routes only, refuses a key no header can carry, and forgets what the key showed', async () => {
    await s.open('admin');
    await statGroup('Images').waitFor();
    const searched = s.page.waitForRequest((sent) => sent.url().includes('/api/v2/images/search'));
    await s.page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Gallery' }).click();
    expect((await searched).headers().authorization).toBeUndefined();

    await s.open('admin');
    await view().getByLabel('Admin key').fill('caf€-key');
    await view().getByRole('button', { name: 'Use this key' }).click();
    await status().getByText('This admin key cannot be sent').waitFor();
    expect(await s.page.evaluate(() => Object.values(sessionStorage))).toContain(ADMIN_KEY); // the good key is kept

    await view().getByRole('button', { name: 'Forget the key' }).click();
    await status().getByText('Admin key forgotten.').waitFor();
    expect(await statGroup('Images').count()).toBe(0);
    expect(await statGroup('Scene cache').count()).toBe(1); // public
    expect(await panel('Scheduled jobs').getByRole('table').count()).toBe(0);
    expect(await s.page.evaluate(() => Object.values(sessionStorage))).not.toContain(ADMIN_KEY);

    await view().getByLabel('Admin key').fill(ADMIN_KEY);
    await view().getByRole('button', { name: 'Use this key' }).click();
    await statGroup('Images').waitFor();
  });

  it('takes a backup and lists it', async () => {
    await s.open('admin');
    const backups = panel('Backups');
    await backups.getByText('No backups yet.').waitFor();
    await backups.getByRole('button', { name: 'Take a backup now' }).click();
    await status().getByText(/^Backup written: dnd_game_\d{8}_\d{6}\.db\.gz/).waitFor();
    const listed = (await admin('get', '/api/v2/maintenance/backups').expect(200)).body as Array<{ file: string }>;
    expect(listed).toHaveLength(1);
    await backups.getByRole('table', { name: '1 backup, newest first' }).getByRole('cell', { name: listed[0].file }).waitFor();
    await access(join(s.t.dir, 'backups', listed[0].file));
  });

  it('lists the scheduled jobs and runs one now, then shows its last run', async () => {
    await s.open('admin');
    const jobs = panel('Scheduled jobs').getByRole('table');
    const row = (job: string) => jobs.getByRole('row').filter({ has: s.page.getByRole('rowheader', { name: job, exact: true }) });
    for (const job of ['Expired cache cleanup', 'Orphan cleanup', 'Backup']) await row(job).waitFor();
    expect(await jobs.getByRole('row').count()).toBe(4); // the header and the three jobs
    await row('Orphan cleanup').getByText('daily at 03:30 UTC').waitFor();
    expect(await row('Orphan cleanup').getByRole('cell').nth(2).textContent()).toBe('never');

    const runNow = row('Orphan cleanup').getByRole('button', { name: 'Run now: orphan cleanup' });
    await runNow.click();
    await status().getByText('Orphan cleanup ran.').waitFor();
    await row('Orphan cleanup').getByText(/^by /).waitFor(); // the table was refreshed
    expect(await row('Orphan cleanup').getByRole('button', { name: 'Run now: orphan cleanup' }).isDisabled()).toBe(false);
    expect(await s.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Run now: orphan cleanup'); // focus kept
    const listed = (await admin('get', '/api/v2/maintenance/jobs').expect(200)).body as Array<{ name: string; lastRunAt: string | null; lastRunBy: string | null }>;
    const orphans = listed.find((job) => job.name === 'orphan-cleanup');
    expect(orphans?.lastRunAt).not.toBeNull();
    await row('Orphan cleanup').getByText(`by ${orphans?.lastRunBy}`).waitFor();
    expect(listed.find((job) => job.name === 'backup')?.lastRunAt).toBeNull();

    await s.page.setViewportSize({ width: 375, height: 812 });
    try {
      expect(await s.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      await panel('Scheduled jobs').screenshot({ path: join(SCREENSHOT_DIR, 'admin-jobs-phone.png') });
    } finally {
      await s.page.setViewportSize({ width: 1280, height: 900 });
    }
    await s.screenshot('admin-jobs');
  });

  it('runs the orphan cleanup as a dry run first, then for real after confirmation', async () => {
    // A file with no image row, settled for two hours: what a crash mid-write leaves behind.
    const orphan = join(s.t.config.storage.dir, 'full', `${randomUUID()}.webp`);
    await writeFile(orphan, Buffer.alloc(2048));
    const twoHoursAgo = new Date(s.t.clock.now().getTime() - 2 * 3_600_000);
    await utimes(orphan, twoHoursAgo, twoHoursAgo);

    await s.open('admin');
    const cleanups = panel('Cleanups');
    const runForReal = cleanups.getByRole('button', { name: 'Clean up for real…' });
    expect(await runForReal.isDisabled()).toBe(true);
    await cleanups.getByRole('button', { name: 'Dry run' }).click();
    await cleanups.getByText('Dry run: would remove').waitFor();
    expect(await definitions(cleanups.locator('#orphans-report'))).toMatchObject({ 'Stray files': '1', 'Space freed': '2 KB', 'Deleted images purged': '0' });
    await access(orphan); // still there

    await runForReal.click();
    await confirmWith(/Remove the purgeable images and orphaned files/, 'Clean up');
    await cleanups.getByText('Removed', { exact: true }).waitFor();
    expect(await definitions(cleanups.locator('#orphans-report'))).toMatchObject({ 'Stray files': '1' });
    await expect(access(orphan)).rejects.toThrow();
    expect(await runForReal.isDisabled()).toBe(true); // the next real run starts from a new dry run
  });

  it('clears the scene cache after confirmation, keeping the images', async () => {
    await request(s.t.server).post('/api/v2/scenes/generate').send({ description: 'a ruined watchtower at dawn' }).expect(200);
    const imagesBefore = (await request(s.t.server).get('/api/v2/images/search').expect(200)).body.total;
    await s.open('admin');
    await s.page.getByText('1 active, 0 expired').waitFor();
    await panel('Cleanups').getByRole('button', { name: 'Clear the cache…' }).click();
    await confirmWith(/Clear the scene cache \(1 entry\)/, 'Clear');
    await panel('Cleanups').getByText('Cache cleared').waitFor();
    expect(await definitions(panel('Cleanups').locator('#cache-report'))).toEqual({ 'Entries removed': '1' });
    expect((await request(s.t.server).get('/api/v2/scenes/cache/stats').expect(200)).body.entries).toBe(0);
    expect((await request(s.t.server).get('/api/v2/images/search').expect(200)).body.total).toBe(imagesBefore);
  });

  it('removes expired scene entries and the images only they used', async () => {
    await request(s.t.server).post('/api/v2/scenes/generate').send({ description: 'a frozen waterfall in the underdark' }).expect(200);
    s.t.clock.advance(8 * DAY_MS);
    await s.open('admin');
    await s.page.getByText('0 active, 1 expired').waitFor();
    await panel('Cleanups').getByRole('button', { name: 'Remove expired entries…' }).click();
    await confirmWith(/Remove 1 expired entry and the images only they used/, 'Remove');
    await panel('Cleanups').getByText('Expired entries removed').waitFor();
    expect(await definitions(panel('Cleanups').locator('#cache-report'))).toMatchObject({ Entries: '1', Images: '1' });
    await s.page.getByText('0 active, 0 expired').waitFor(); // the stats were refreshed
    await s.screenshot('admin');
  });
});
