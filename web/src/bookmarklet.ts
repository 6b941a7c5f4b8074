/**
 * The Import view's bookmarklet: clicked on the old game's page (a page opened from disk, or a
 * local server on :8080), it sends that page's LocalStorage to this service's migration route,
 * a dry run first, and shows the report in a small box on the game's page.
 *
 * Its code is `sendPictures` below, whose source text (Function.prototype.toString of the
 * built, minified bundle) becomes the `javascript:` URL: nothing is loaded from anywhere (no
 * script tag, no other address than the service's), so it works offline and from a `file://`
 * page (origin `null`). It needs a page without a CSP forbidding it, as the game's is. That is why `sendPictures` must stay self-contained: it may use browser globals and its own
 * locals only, never an import or anything else of this module (its types are erased, so they
 * are fine). test/browser/import-bookmarklet.browser-spec.ts runs the real link on another origin.
 */

/** The migration route's answer, as far as the box shows it. */
interface BookmarkletReport {
  dryRun: boolean;
  imported: { images: number; scenes: number };
  skipped: { duplicates: number };
  failed: Array<{ ref: string; reason: string }>;
  importedBytes?: number;
}

/** Runs on the game's page, not here: self-contained (see above). `service` is the service's origin. */
export function sendPictures(service: string): void {
  // A second click replaces the box.
  const old = document.getElementById('dnd-image-service-import');
  if (old) old.remove();
  const host = document.createElement('div');
  host.id = 'dnd-image-service-import';
  const root = host.attachShadow({ mode: 'open' });
  // Static markup only: everything that comes from the page or the service goes in as text.
  root.innerHTML =
    '<style>' +
    ':host{all:initial;position:fixed;z-index:2147483647;right:12px;bottom:12px;width:min(26rem,calc(100vw - 24px));font:15px/1.45 system-ui,sans-serif;color:#ece6f5}' +
    'section{max-height:calc(100vh - 24px);overflow:auto;box-sizing:border-box;padding:14px 16px;background:#221d2e;border:1px solid #f6c667;border-radius:10px;box-shadow:0 6px 30px #000a}' +
    'h2{margin:0 0 8px;font-size:17px;overflow-wrap:anywhere}p{margin:6px 0;overflow-wrap:anywhere}dl{display:grid;grid-template-columns:auto auto;justify-content:start;gap:2px 14px;margin:8px 0}dt{color:#b3a9c6}dd{margin:0;font-weight:600}' +
    'ul{margin:6px 0;padding-left:18px;font-size:14px}code{color:#f6c667;overflow-wrap:anywhere}a{color:#f6c667}' +
    'button{font:inherit;margin:8px 8px 0 0;padding:6px 14px;border-radius:8px;border:1px solid #3f3757;background:#2c2640;color:inherit;cursor:pointer}button.i{background:#f6c667;border-color:#f6c667;color:#2a1d05;font-weight:600}' +
    ':focus-visible{outline:3px solid #8ecbff;outline-offset:2px}section:focus{outline:0}[hidden]{display:none}' +
    '</style>' +
    '<section role="dialog" aria-labelledby="t" tabindex="-1"><h2 id="t"></h2><p role="status"></p><div></div>' +
    '<button class="i" type="button" hidden>Import</button><button class="c" type="button">Close</button></section>';
  const box = root.querySelector('section') as HTMLElement;
  const status = root.querySelector('p') as HTMLElement;
  const details = root.querySelector('div') as HTMLElement;
  const importButton = root.querySelector('.i') as HTMLButtonElement;
  const closeButton = root.querySelector('.c') as HTMLButtonElement;
  const close = () => host.remove();
  closeButton.onclick = close;
  box.onkeydown = (event) => {
    if (event.key === 'Escape') close();
  };
  (root.querySelector('h2') as HTMLElement).textContent = `Send this page’s pictures to ${service}`;
  (document.body || document.documentElement).append(host);
  box.focus();

  const add = <K extends keyof HTMLElementTagNameMap>(parent: Element, tag: K, text?: string) => {
    const child = document.createElement(tag);
    if (text !== undefined) child.textContent = text;
    parent.append(child);
    return child;
  };
  const say = (text: string) => {
    status.textContent = text;
  };
  const size = (bytes: number) => (bytes < 1048576 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1048576).toFixed(1)} MB`);
  // A page opened from disk sends `Origin: null` (its location.origin reads "file://").
  const origin = location.protocol === 'file:' || location.origin === 'null' ? 'null, a page opened from disk' : location.origin;

  let dump: Record<string, string>;
  try {
    dump = Object.fromEntries(Object.entries(localStorage));
  } catch (error) {
    return say(`This page’s LocalStorage cannot be read: ${String(error)}`);
  }
  const entries = Object.keys(dump).length;
  if (entries === 0) return say('This page’s LocalStorage is empty: click the bookmark on the game’s page, in the browser you play in.');
  const body = JSON.stringify({ localStorage: dump });

  const show = (report: BookmarkletReport) => {
    const dryRun = report.dryRun;
    const verb = dryRun ? 'would be imported' : 'imported';
    const count = report.imported.images + report.imported.scenes;
    const failed = report.failed;
    say(
      (dryRun ? 'Preview, nothing written yet: ' : count > 0 ? 'Import finished: ' : 'Nothing new to import: ') +
        `${count} ${count === 1 ? 'picture' : 'pictures'} ${verb}, ${report.skipped.duplicates} already there, ${failed.length} failed.`,
    );
    const list = add(details, 'dl');
    const rows: Array<[string, number]> = [
      [`Images ${verb}`, report.imported.images],
      [`Scenes ${verb}`, report.imported.scenes],
      ['Duplicates skipped', report.skipped.duplicates],
      ['Failed', failed.length],
    ];
    for (const [term, value] of rows) {
      add(list, 'dt', term);
      add(list, 'dd', String(value));
    }
    if (report.importedBytes) add(details, 'p', `${size(report.importedBytes)} of pictures.`);
    if (failed.length > 0) {
      add(details, 'p', 'Could not be imported:');
      const failures = add(details, 'ul');
      for (const failure of failed.slice(0, 30)) {
        const item = add(failures, 'li');
        add(item, 'code', failure.ref);
        item.append(`: ${failure.reason}`);
      }
      if (failed.length > 30) add(failures, 'li', `and ${failed.length - 30} more`);
    }
    if (dryRun) {
      importButton.hidden = count === 0;
      (count === 0 ? closeButton : importButton).focus();
    } else {
      const link = add(add(details, 'p'), 'a', 'See them in the gallery');
      link.href = `${service}/#gallery`;
      link.target = '_blank';
      link.rel = 'noopener';
      closeButton.focus();
    }
  };

  const send = async (dryRun: boolean) => {
    importButton.hidden = true;
    details.replaceChildren();
    say(`${dryRun ? 'Checking' : 'Importing'} ${entries} LocalStorage ${entries === 1 ? 'entry' : 'entries'} (${size(body.length)})…`);
    let response: Response;
    try {
      response = await fetch(`${service}/api/v2/migrate/from-localstorage${dryRun ? '?dryRun=true' : ''}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
    } catch {
      return say(`${service} did not answer. Is the service running, and is this page’s origin (${origin}) in its CORS_ORIGINS?`);
    }
    const answer = await response.json().catch(() => ({}));
    if (response.ok && answer.imported) return show(answer as BookmarkletReport);
    const message = `${[answer.message].flat().filter(Boolean).join(' ') || response.statusText}`.replace(/([^.!?])$/, '$1.');
    const advice: Record<number, string> = {
      401: ' The bookmarklet sends no admin key: save the dump to a file and import it in the web app’s Import view, with the key entered under Admin.',
      403: ' Run this in a browser on the machine the service runs on, where no admin key is needed; or set ADMIN_API_KEY and import a saved dump file in the web app’s Import view, with the key.',
    };
    say(`The service answered ${response.status}: ${message}${advice[response.status] || ''}`);
  };

  importButton.onclick = () => void send(false);
  void send(true);
}

/**
 * The bookmarklet for a service at `service` (its origin): a `javascript:` URL running
 * `sendPictures`. In a `javascript:` URL the browser drops tabs and newlines and decodes `%xx`
 * escapes, and `#` starts a fragment, so those (and any non-ASCII) are escaped; `void` keeps the
 * page from being replaced by the call's result.
 */
export function bookmarkletHref(service: string): string {
  const code = `void (${sendPictures.toString()})(${JSON.stringify(service)})`;
  return `javascript:${code.replace(/[%#]|[^\x20-\x7e]/gu, encodeURIComponent)}`;
}
