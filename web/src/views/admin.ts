import { adminKeyProblem, forgetAdminKey, readAdminKey, saveAdminKey } from '../admin-key';
import { api, type Backup, type JobName, type JobOutcome, type JobStatus, type MaintenanceStats, type OrphanCleanup, type SceneCacheStats } from '../api';
import { confirmAction } from '../confirm';
import { byId, dataTable, detailsList, el } from '../dom';
import { describeCron, formatBytes, formatDateTime, formatDuration, formatRelative, plural } from '../format';
import { StatusLine } from '../status';

/** Stats, cleanups (orphans: dry run first), the scene cache, backups and the scheduled jobs, with the admin key. */
export function createAdminView(): { refresh: () => Promise<void> } {
  const keyForm = byId('admin-key-form', HTMLFormElement);
  const keyInput = byId('admin-key', HTMLInputElement);
  const status = new StatusLine(byId('admin-status', HTMLParagraphElement));
  const statsOutput = byId('stats-output', HTMLDivElement);
  const orphansDryRun = byId('orphans-dry-run', HTMLButtonElement);
  const orphansRun = byId('orphans-run', HTMLButtonElement);
  const orphansReport = byId('orphans-report', HTMLDivElement);
  const cacheExpired = byId('cache-expired', HTMLButtonElement);
  const cacheClear = byId('cache-clear', HTMLButtonElement);
  const cacheReport = byId('cache-report', HTMLDivElement);
  const backupRun = byId('backup-run', HTMLButtonElement);
  const backupsOutput = byId('backups-output', HTMLDivElement);
  const jobsOutput = byId('jobs-output', HTMLDivElement);
  let cacheStats: SceneCacheStats | undefined;

  keyInput.value = readAdminKey() ?? '';
  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    const problem = adminKeyProblem(key);
    if (problem) {
      status.show('error', 'This admin key cannot be sent', problem);
      keyInput.focus();
      return;
    }
    saveAdminKey(key);
    status.show('success', readAdminKey() ? 'Admin key saved for this tab.' : 'Admin key forgotten.');
    void refresh();
  });
  byId('admin-key-forget', HTMLButtonElement).addEventListener('click', () => {
    forgetAdminKey();
    keyInput.value = '';
    // What the key unlocked must not stay on screen; the public cache stats may.
    statsOutput.replaceChildren(...statsPanels(undefined, cacheStats));
    backupsOutput.replaceChildren();
    jobsOutput.replaceChildren();
    orphansReport.replaceChildren();
    cacheReport.replaceChildren();
    orphansRun.disabled = true;
    status.show('info', 'Admin key forgotten.');
  });

  /** Stats, backups and jobs. The cache stats are public, so they show even without the admin key. */
  async function refresh(): Promise<void> {
    const [maintenance, cache, backups, jobs] = await Promise.allSettled([api.maintenanceStats(), api.sceneCacheStats(), api.listBackups(), api.listJobs()]);
    if (cache.status === 'fulfilled') cacheStats = cache.value;
    statsOutput.replaceChildren(...statsPanels(maintenance.status === 'fulfilled' ? maintenance.value : undefined, cacheStats));
    if (backups.status === 'fulfilled') backupsOutput.replaceChildren(backupsTable(backups.value));
    if (jobs.status === 'fulfilled') jobsOutput.replaceChildren(jobsTable(jobs.value, runJob));
    const failure = [maintenance, cache, backups, jobs].find((outcome) => outcome.status === 'rejected');
    if (failure) status.showError(failure.reason);
  }
  byId('stats-refresh', HTMLButtonElement).addEventListener('click', () => void refresh());

  orphansDryRun.addEventListener('click', async () => {
    const answered = await status.run(orphansDryRun, 'Looking for orphans', () => api.cleanupOrphans(true));
    if (!answered) return;
    orphansReport.replaceChildren(orphanReport(answered.value));
    orphansRun.disabled = false;
  });
  orphansRun.addEventListener('click', async () => {
    if (!(await confirmAction('Remove the purgeable images and orphaned files now? This cannot be undone.', 'Clean up'))) return;
    const answered = await status.run(orphansRun, 'Cleaning up', () => api.cleanupOrphans(false));
    if (!answered) return;
    orphansReport.replaceChildren(orphanReport(answered.value));
    orphansRun.disabled = true; // the next real run starts from a fresh dry run
    status.show('success', 'Orphan cleanup finished.');
    await refresh();
  });

  cacheExpired.addEventListener('click', async () => {
    const expired = cacheStats ? plural(cacheStats.expiredEntries, 'expired entry', 'expired entries') : 'the expired entries';
    if (!(await confirmAction(`Remove ${expired} and the images only they used?`, 'Remove'))) return;
    const answered = await status.run(cacheExpired, 'Removing expired entries', () => api.cleanupExpiredCache());
    if (!answered) return;
    const { deletedEntries, deletedImages, freedBytes } = answered.value;
    cacheReport.replaceChildren(
      reportList('Expired entries removed', [
        ['Entries', deletedEntries],
        ['Images', deletedImages],
        ['Freed', formatBytes(freedBytes)],
      ]),
    );
    await refresh();
  });
  cacheClear.addEventListener('click', async () => {
    const entries = cacheStats ? plural(cacheStats.entries, 'entry', 'entries') : 'every entry';
    if (!(await confirmAction(`Clear the scene cache (${entries})? The images stay in the gallery; the next request for each scene draws it anew.`, 'Clear'))) return;
    const answered = await status.run(cacheClear, 'Clearing the cache', () => api.clearSceneCache());
    if (!answered) return;
    cacheReport.replaceChildren(reportList('Cache cleared', [['Entries removed', answered.value.cleared]]));
    await refresh();
  });

  backupRun.addEventListener('click', async () => {
    const answered = await status.run(backupRun, 'Backing up', () => api.backup());
    if (!answered) return;
    status.show('success', `Backup written: ${answered.value.file} (${formatBytes(answered.value.sizeBytes)}).`);
    await refresh();
  });

  /** Runs a job now, as its schedule would (once across replicas), and says how it went. */
  async function runJob(name: JobName, button: HTMLButtonElement): Promise<void> {
    const answered = await status.run(button, `Running the ${jobLabel(name)}`, () => api.runJob(name));
    if (!answered) return;
    status.show(...jobOutcome(name, answered.value.outcome));
    await refresh();
    // The refresh rebuilt the table: the keyboard stays on this job's (new) button.
    if (!button.isConnected) jobsOutput.querySelector<HTMLButtonElement>(`button[data-job="${name}"]`)?.focus();
  }

  return { refresh };
}

/** "orphan-cleanup" → "orphan cleanup". */
const jobLabel = (name: JobName) => name.replaceAll('-', ' ');
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function jobOutcome(name: JobName, outcome: JobOutcome): Parameters<StatusLine['show']> {
  const job = capitalised(jobLabel(name));
  if (outcome === 'success') return ['success', `${job} ran.`];
  if (outcome === 'skipped') return ['info', `${job} skipped:`, 'another replica is running it or ran it moments ago.'];
  return ['error', `${job} failed:`, 'see the service log.'];
}

function jobsTable(jobs: JobStatus[], run: (name: JobName, button: HTMLButtonElement) => Promise<void>): HTMLElement {
  const runButton = (name: JobName, running: boolean) => {
    // The accessible name starts with the visible label (WCAG 2.5.3), so "click Run now" works
    // by voice; the job's name after it tells the rows' buttons apart out of the table.
    const button = el('button', { type: 'button', 'data-job': name, 'aria-label': `Run now: ${jobLabel(name)}`, disabled: running }, 'Run now');
    button.addEventListener('click', () => void run(name, button));
    return button;
  };
  const when = (iso: string) => el('time', { datetime: iso, title: formatDateTime(iso) }, formatRelative(iso));
  const schedule = (job: JobStatus) => {
    if (job.cron === null) return 'off';
    const words = describeCron(job.cron);
    return el('span', {}, words ? `${words} ` : '', el('code', {}, job.cron), job.scheduled ? '' : el('span', { class: 'hint' }, ' (not scheduled on this replica)'));
  };
  const nextRun = (job: JobStatus) => (job.runningHere ? 'running now' : job.nextRunAt ? when(job.nextRunAt) : '–');
  const lastRun = (job: JobStatus) => (job.lastRunAt ? el('span', {}, when(job.lastRunAt), job.lastRunBy && el('span', { class: 'hint replica' }, `by ${job.lastRunBy}`)) : 'never');
  return dataTable(
    'Times in your time zone; schedules in UTC',
    ['Job', 'Schedule', 'Next run', 'Last run', 'Run'],
    jobs.map((job) => [capitalised(jobLabel(job.name)), schedule(job), nextRun(job), lastRun(job), runButton(job.name, job.runningHere)]),
    { rowHeaders: true, className: 'jobs' },
  );
}

function reportList(title: string, rows: Array<[string, string | number]>): HTMLElement {
  return el('div', { class: 'report' }, el('h5', {}, title), detailsList(rows, 'details counts'));
}

function orphanReport(result: OrphanCleanup): HTMLElement {
  const missing = result.missingFiles.map((file) => `${file.imageId} (${file.variant})`).join(', ');
  return reportList(result.dryRun ? 'Dry run: would remove' : 'Removed', [
    ['Deleted images purged', result.deletedImages],
    ['Stray files', result.deletedFiles],
    ['Space freed', formatBytes(result.freedBytes)],
    ['Images with missing files', missing ? `${result.missingFiles.length}: ${missing}` : 0],
  ]);
}

function statsPanels(stats: MaintenanceStats | undefined, cache: SceneCacheStats | undefined): HTMLElement[] {
  const group = (title: string, rows: Array<[string, string | number]>) => el('div', { class: 'stat-group' }, el('h4', {}, title), detailsList(rows));
  const panels: HTMLElement[] = [];
  if (stats) {
    panels.push(
      group('Images', [
        ['Active', stats.images.active],
        ['Featured', stats.images.featured],
        ['Deleted (awaiting purge)', stats.images.deleted],
      ]),
      group('Storage', [
        ['Image files', formatBytes(stats.storage.fullBytes)],
        ['Thumbnails', formatBytes(stats.storage.thumbnailBytes)],
        [`Database (${stats.database.driver})`, formatBytes(stats.database.sizeBytes)],
        ['Uptime', formatDuration(stats.uptimeSeconds)],
      ]),
    );
  }
  if (cache) {
    panels.push(
      group('Scene cache', [
        ['Entries', `${cache.activeEntries} active, ${cache.expiredEntries} expired`],
        ['Hits / misses', `${cache.hits} / ${cache.misses}`],
        ['Hit rate', `${Math.round(cache.hitRate * 100)} %`],
        ['Size', formatBytes(cache.totalBytes)],
        ['Entries live', `${cache.expiryDays} days`],
      ]),
    );
  }
  if (stats) {
    panels.push(
      group('Backups', [
        ['Count', stats.backups.count],
        ['Latest', stats.backups.latestAt ? `${formatDateTime(stats.backups.latestAt)} (${formatBytes(stats.backups.latestBytes ?? 0)})` : 'none yet'],
      ]),
    );
  }
  return [el('div', { class: 'stat-groups' }, ...panels)];
}

function backupsTable(backups: Backup[]): HTMLElement {
  if (backups.length === 0) return el('p', { class: 'hint' }, 'No backups yet.');
  return dataTable(
    `${plural(backups.length, 'backup')}, newest first`,
    ['File', 'Taken', 'Size'],
    backups.map((backup) => [el('code', {}, backup.file), formatDateTime(backup.createdAt), formatBytes(backup.sizeBytes)]),
  );
}
