import { api, type ImportReport } from '../api';
import { bookmarkletHref } from '../bookmarklet';
import { copyText } from '../clipboard';
import { byId, dataTable, detailsList, el } from '../dom';
import { DUMP_COMMAND, DUMP_FILE_NAME, parseDumpFile } from '../dump-file';
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

/** Roughly what a dump weighs in LocalStorage (UTF-16: two bytes a character). */
const dumpBytes = (dump: Record<string, string>) => Object.entries(dump).reduce((sum, [key, value]) => sum + (key.length + value.length) * 2, 0);

/**
 * Three ways in: the bookmarklet (the game's page sends its own LocalStorage), a saved dump
 * file, and one click for this origin's own LocalStorage.
 */
export function createImportView(): { refresh: () => void } {
  createBookmarkletPanel();
  createDumpFilePanel();
  return createLocalStoragePanel();
}

/** The bookmarklet, built for this service's origin; clicked here it only explains itself. */
function createBookmarkletPanel(): void {
  const link = byId('import-bookmarklet', HTMLAnchorElement);
  const status = new StatusLine(byId('import-bookmarklet-status', HTMLParagraphElement));
  const service = location.origin;
  const href = bookmarkletHref(service);
  link.setAttribute('href', href);
  link.textContent = `Send this page’s pictures to ${service}`;
  // On this page the service's CSP would refuse to run it (and there is nothing to send here).
  link.addEventListener('click', (event) => {
    event.preventDefault();
    status.show('info', 'Drag the link to the bookmarks bar, then click the bookmark on the game’s page.', 'On this page it has nothing to send.');
  });
  byId('import-bookmarklet-copy', HTMLButtonElement).addEventListener('click', () => {
    void copyText(href).then((copied) =>
      copied
        ? status.show('success', 'Bookmarklet copied.', 'Add a bookmark (Ctrl+D), edit it, and paste this as its address (URL).')
        : status.show('error', 'The bookmarklet could not be copied here.', 'Drag the link to the bookmarks bar instead, or right-click it and copy the link address.'),
    );
  });
}

/** A dump file chosen or dropped: previewed at once (a dry run), imported on request. */
function createDumpFilePanel(): void {
  const view = byId('import', HTMLElement);
  const panel = byId('import-file-panel', HTMLElement);
  const command = byId('import-dump-command', HTMLElement);
  const input = byId('import-file', HTMLInputElement);
  const summary = byId('import-file-summary', HTMLParagraphElement);
  const runButton = byId('import-file-run', HTMLButtonElement);
  const previewButton = byId('import-file-preview', HTMLButtonElement);
  const status = new StatusLine(byId('import-file-status', HTMLParagraphElement));
  const report = byId('import-file-report', HTMLDivElement);
  let loaded: { name: string; entries: Record<string, string> } | undefined;

  command.textContent = DUMP_COMMAND;
  byId('import-dump-name', HTMLElement).textContent = DUMP_FILE_NAME;
  byId('import-dump-copy', HTMLButtonElement).addEventListener('click', () => {
    void copyText(DUMP_COMMAND).then((copied) => {
      if (copied) return status.show('success', 'Console line copied.', 'Paste it in the console on the game’s page and press Enter.');
      // Selected, so Ctrl+C copies it.
      getSelection()?.selectAllChildren(command);
      status.show('info', 'The line is selected: press Ctrl+C to copy it.');
    });
  });

  async function load(file: File): Promise<void> {
    loaded = undefined;
    runButton.disabled = previewButton.disabled = true;
    report.replaceChildren();
    summary.hidden = true;
    let entries: Record<string, string>;
    try {
      entries = parseDumpFile(await file.text());
    } catch (error) {
      status.show('error', `${file.name} cannot be imported.`, error instanceof Error ? error.message : String(error));
      return;
    }
    loaded = { name: file.name, entries };
    summary.textContent = `${file.name} holds ${plural(Object.keys(entries).length, 'entry', 'entries')} (${formatBytes(dumpBytes(entries))} in LocalStorage).`;
    summary.hidden = false;
    await send(true);
  }

  async function send(dryRun: boolean): Promise<void> {
    const file = loaded;
    if (!file) return;
    const answered = await status.run([runButton, previewButton], `${dryRun ? 'Checking' : 'Importing'} ${file.name}`, () => api.importLocalStorage(file.entries, dryRun));
    if (!answered) return;
    showReport(status, report, answered.value, { headingId: 'import-file-report-heading', about: file.name });
  }

  input.addEventListener('change', () => {
    const [file] = input.files ?? [];
    if (file) void load(file);
  });
  runButton.addEventListener('click', () => void send(false));
  previewButton.addEventListener('click', () => void send(true));

  // A file dropped anywhere on the view (not only on the box, which lights up) is taken, rather
  // than the browser leaving the app to show it.
  let dragDepth = 0;
  const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  view.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    dragDepth++;
    panel.classList.add('dragging');
  });
  view.addEventListener('dragleave', (event) => {
    if (!carriesFiles(event)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) panel.classList.remove('dragging');
  });
  view.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  });
  view.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dragDepth = 0;
    panel.classList.remove('dragging');
    const [file] = event.dataTransfer?.files ?? [];
    if (file) void load(file);
  });
}

/** One click: this browser's localStorage (for this site) to the migration route, and the report shown. */
function createLocalStoragePanel(): { refresh: () => void } {
  const summary = byId('import-summary', HTMLParagraphElement);
  const runButton = byId('import-run', HTMLButtonElement);
  const previewButton = byId('import-preview', HTMLButtonElement);
  const status = new StatusLine(byId('import-status', HTMLParagraphElement));
  const report = byId('import-report', HTMLDivElement);

  function refresh(): void {
    const dump = readLocalStorage();
    const entries = Object.keys(dump).length;
    summary.textContent =
      entries === 0
        ? 'This browser’s LocalStorage for this site is empty: there is nothing to import. The game’s own pictures are on the game’s page: use the bookmarklet or a saved file above.'
        : `This browser’s LocalStorage holds ${plural(entries, 'entry', 'entries')} (${formatBytes(dumpBytes(dump))}).`;
    runButton.disabled = previewButton.disabled = entries === 0;
  }

  async function send(dryRun: boolean): Promise<void> {
    const dump = readLocalStorage();
    const answered = await status.run([runButton, previewButton], dryRun ? 'Checking' : 'Importing', () => api.importLocalStorage(dump, dryRun));
    if (!answered) return;
    showReport(status, report, answered.value, { headingId: 'import-report-heading' });
  }

  runButton.addEventListener('click', () => void send(false));
  previewButton.addEventListener('click', () => void send(true));
  return { refresh };
}

/** The status line's verdict and the report below it, the same for every way in. */
function showReport(status: StatusLine, container: HTMLElement, result: ImportReport, options: { headingId: string; about?: string }): void {
  const imported = result.imported.images + result.imported.scenes;
  status.show(
    result.failed.length > 0 ? 'info' : 'success',
    result.dryRun ? 'Dry run: nothing was written.' : imported > 0 ? 'Import finished.' : 'Nothing new to import.',
    result.failed.length > 0 ? `${plural(result.failed.length, 'entry', 'entries')} could not be imported; see below.` : undefined,
  );
  container.replaceChildren(renderReport(result, options));
}

function renderReport(report: ImportReport, { headingId, about }: { headingId: string; about?: string }): HTMLElement {
  const verb = report.dryRun ? 'would be imported' : 'imported';
  const overLimit = report.overLimit ?? [];
  const title = report.dryRun ? 'Dry run report' : 'Import report';
  return el(
    'section',
    { class: 'panel stack', 'aria-labelledby': headingId },
    el('h3', { id: headingId }, about ? `${title}: ${about}` : title),
    detailsList(
      [
        [`Images ${verb}`, report.imported.images],
        [`Scenes ${verb}`, report.imported.scenes],
        ['Duplicates skipped', report.skipped.duplicates],
        ['Failed', report.failed.length],
      ],
      'details counts',
    ),
    report.importedBytes ? el('p', { class: 'hint' }, `${formatBytes(report.importedBytes)} of pictures ${verb}.`) : null,
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
