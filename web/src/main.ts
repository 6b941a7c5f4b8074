import { byId } from './dom';
import { aspectRatioOptions, imageSizeOptions } from './drawing-options';
import { createAdminView } from './views/admin';
import { createGallery } from './views/gallery';
import { createGenerateView } from './views/generate';
import { createImportView } from './views/import';
import { createScenesView } from './views/scenes';

const VIEWS = ['gallery', 'generate', 'scenes', 'import', 'admin'] as const;
type ViewName = (typeof VIEWS)[number];

for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-aspect-ratios]')) select.replaceChildren(...aspectRatioOptions());
for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-image-sizes]')) select.replaceChildren(...imageSizeOptions());

const gallery = createGallery();
const importView = createImportView();
const admin = createAdminView();
const generate = createGenerateView();
const scenes = createScenesView();

/**
 * What each view refreshes when it is shown: the gallery always shows what was just made, and
 * the drawing forms offer the characters featured meanwhile.
 */
const onShow: Partial<Record<ViewName, () => unknown>> = {
  gallery: gallery.refresh,
  generate: generate.refresh,
  scenes: scenes.refresh,
  import: importView.refresh,
  admin: admin.refresh,
};

const isView = (name: string): name is ViewName => (VIEWS as readonly string[]).includes(name);
let shown: ViewName | undefined;

/** One view at a time, chosen by the URL's hash, so views can be linked and Back works. */
function showView(moveFocus: boolean): void {
  const requested = location.hash.slice(1) || 'gallery';
  // A hash that names no view (an in-page anchor such as #main) leaves the shown view alone.
  if (!isView(requested) && shown) return;
  const current: ViewName = isView(requested) ? requested : 'gallery';
  shown = current;
  for (const name of VIEWS) {
    document.getElementById(name)!.hidden = name !== current;
    const link = document.querySelector(`nav a[href="#${name}"]`);
    if (name === current) link?.setAttribute('aria-current', 'page');
    else link?.removeAttribute('aria-current');
  }
  document.title = `${current[0].toUpperCase()}${current.slice(1)} · D&D Image Service`;
  void onShow[current]?.();
  // After a navigation, start reading at the view's heading rather than at the top of the page.
  if (moveFocus) document.getElementById(`${current}-heading`)?.focus();
}

// The skip link moves the focus to the content without touching the hash, which names the view.
const main = byId('main', HTMLElement);
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => showView(true));
showView(false);
