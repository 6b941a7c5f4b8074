import { api, type Image } from '../api';
import { confirmAction } from '../confirm';
import { byId, el } from '../dom';
import { imageDetails } from '../image-view';
import { StatusLine } from '../status';

/**
 * The full image with its prompt and details, to feature or delete. A modal <dialog>: Escape
 * closes it and focus returns to the thumbnail that opened it. `onChange` runs after a change
 * so the gallery can show it.
 */
export function openImageDialog(image: Image, onChange: () => void): void {
  const dialog = byId('image-dialog', HTMLDialogElement);
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  let current = image;

  const status = new StatusLine(el('p', { class: 'status', role: 'status' }));
  const details = el('div', {}, imageDetails(current));
  const feature = el('button', { type: 'button', class: 'star' });
  const showFeatured = () => {
    feature.setAttribute('aria-pressed', String(current.featured));
    feature.textContent = current.featured ? '★ Featured' : '☆ Feature';
    details.replaceChildren(imageDetails(current));
  };
  showFeatured();
  feature.addEventListener('click', async () => {
    const result = await status.run(feature, current.featured ? 'Unfeaturing' : 'Featuring', () => api.setFeatured(current.id, !current.featured));
    if (!result) return;
    current = result.value;
    showFeatured();
    onChange();
  });

  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete…');
  remove.addEventListener('click', async () => {
    if (!(await confirmAction('Delete this image? It leaves the gallery at once; its files are purged later by the orphan cleanup.', 'Delete'))) return;
    const result = await status.run(remove, 'Deleting', () => api.deleteImage(current.id));
    if (!result) return;
    dialog.close();
    onChange();
  });

  const close = el('button', { type: 'button' }, 'Close');
  close.addEventListener('click', () => dialog.close());

  dialog.replaceChildren(
    el('div', { class: 'dialog-head' }, el('h2', { id: 'image-dialog-heading' }, 'Image details'), close),
    el('img', { class: 'full', src: current.urls.full, alt: current.prompt, width: current.width, height: current.height }),
    el('p', { class: 'prompt' }, current.prompt),
    details,
    el('div', { class: 'actions' }, feature, el('a', { href: current.urls.full, target: '_blank', rel: 'noopener' }, 'Open full size'), remove),
    status.element,
  );
  dialog.addEventListener('close', () => (opener?.isConnected ? opener : null)?.focus(), { once: true });
  dialog.showModal();
  close.focus();
}
