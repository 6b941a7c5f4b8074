import { adminKeyProblem, forgetAdminKey, readAdminKey, saveAdminKey } from '../admin-key';
import { api, type Backup, type MaintenanceStats, type OrphanCleanup, type SceneCacheStats } from '../api';
import { confirmAction } from '../confirm';
import { byId, detailsList, el } from '../dom';
import { formatBytes, formatDateTime, formatDuration, plural } from '../format';
import { StatusLine } from '../status';

/** Stats, cleanups (orphans: dry run first), the scene cache and backups, with the admin key. */
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
    orphansReport.replaceChildren();
    cacheReport.replaceChildren();
    orphansRun.disabled = true;
    status.show('info', 'Admin key forgotten.');
  });

  /** Stats and backups. The cache stats are public, so they show even without the admin key. */
  async function refresh(): Promise<void> {
    const [maintenance, cache, backups] = await Promise.allSettled([api.maintenanceStats(), api.sceneCacheStats(), api.listBackups()]);
    if (cache.status === 'fulfilled') cacheStats = cache.value;
    statsOutput.replaceChildren(...statsPanels(maintenance.status === 'fulfilled' ? maintenance.value : undefined, cacheStats));
    if (backups.status === 'fulfilled') backupsOutput.replaceChildren(backupsTable(backups.value));
    const failure = [maintenance, cache, backups].find((outcome) => outcome.status === 'rejected');
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

  return { refresh };
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
  return el(
    'table',
    {},
    el('caption', {}, `${plural(backups.length, 'backup')}, newest first`),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'File'), el('th', { scope: 'col' }, 'Taken'), el('th', { scope: 'col' }, 'Size'))),
    el('tbody', {}, ...backups.map((backup) => el('tr', {}, el('td', {}, el('code', {}, backup.file)), el('td', {}, formatDateTime(backup.createdAt)), el('td', {}, formatBytes(backup.sizeBytes))))),
  );
}
