import { api, type ImportReport } from '../api';
import { byId, dataTable, detailsList, el } from '../dom';
import { formatBytes, plural } from '../format';
import { galleryLink } from '../image-view';
import { StatusLine } from '../status';

/** Everything in this origin's localStorage, as the migration route's raw-dump form expects. */
function readLocalStorage(): Record<string, string> {
  const dump: Record<string, string> = {};
  for (let index = 0; index < localStorage.length; index++) {
    const key = localStorage.key(index);
    if (key !== null) dump[key] = localStorage.getItem(key) ?? '';
  }
  return dump;
}

/** One click: this browser's localStorage to the migration route, and the report shown. */
export function createImportView(): { refresh: () => void } {
  const summary = byId('import-summary', HTMLParagraphElement);
  const runButton = byId('import-run', HTMLButtonElement);
  const previewButton = byId('import-preview', HTMLButtonElement);
  const status = new StatusLine(byId('import-status', HTMLParagraphElement));
  const report = byId('import-report', HTMLDivElement);

  function refresh(): void {
    const dump = readLocalStorage();
    const bytes = Object.entries(dump).reduce((sum, [key, value]) => sum + (key.length + value.length) * 2, 0);
    const entries = Object.keys(dump).length;
    summary.textContent =
      entries === 0 ? 'This browser’s LocalStorage for this site is empty: there is nothing to import.' : `This browser’s LocalStorage holds ${plural(entries, 'entry', 'entries')} (${formatBytes(bytes)}).`;
    runButton.disabled = previewButton.disabled = entries === 0;
  }

  async function send(dryRun: boolean): Promise<void> {
    const dump = readLocalStorage();
    const answered = await status.run([runButton, previewButton], dryRun ? 'Checking' : 'Importing', () => api.importLocalStorage(dump, dryRun));
    if (!answered) return;
    const result = answered.value;
    const imported = result.imported.images + result.imported.scenes;
    status.show(
      result.failed.length > 0 ? 'info' : 'success',
      dryRun ? 'Dry run: nothing was written.' : imported > 0 ? 'Import finished.' : 'Nothing new to import.',
      result.failed.length > 0 ? `${plural(result.failed.length, 'entry', 'entries')} could not be imported; see below.` : undefined,
    );
    report.replaceChildren(renderReport(result));
  }

  runButton.addEventListener('click', () => void send(false));
  previewButton.addEventListener('click', () => void send(true));
  return { refresh };
}

function renderReport(report: ImportReport): HTMLElement {
  const verb = report.dryRun ? 'would be imported' : 'imported';
  const overLimit = report.overLimit ?? [];
  return el(
    'section',
    { class: 'panel stack', 'aria-labelledby': 'import-report-heading' },
    el('h3', { id: 'import-report-heading' }, report.dryRun ? 'Dry run report' : 'Import report'),
    detailsList(
      [
        [`Images ${verb}`, report.imported.images],
        [`Scenes ${verb}`, report.imported.scenes],
        ['Duplicates skipped', report.skipped.duplicates],
        ['Failed', report.failed.length],
      ],
      'details counts',
    ),
    report.failed.length > 0
      ? dataTable(
          'Entries that could not be imported',
          ['Where', 'Why'],
          report.failed.map((failure) => [el('code', {}, failure.ref), failure.reason]),
        )
      : null,
    overLimit.length > 0
      ? el('p', { class: 'hint' }, `Over MAX_IMAGES_PER_ITEM now (imports are never evicted): ${overLimit.map((item) => `${item.itemId} (${item.count}/${item.max})`).join(', ')}.`)
      : null,
    report.dryRun ? null : el('p', {}, galleryLink('See the imported images in the gallery')),
  );
}
