import { api, type Image } from '../api';
import { confirmAction } from '../confirm';
import { byId, el } from '../dom';
import { imageDetails } from '../image-view';
import { StatusLine } from '../status';

export interface ImageDialogHooks {
  /** Runs after a change, so the gallery can show it. */
  onChange: (change: 'featured' | 'deleted') => void;
  /** Puts the focus back where the dialog was opened from, once it closes. */
  returnFocus: () => void;
}

/**
 * The full image with its prompt and details, to feature or delete. A modal <dialog>: Escape
 * closes it and focus returns to the thumbnail that opened it.
 */
export function openImageDialog(image: Image, { onChange, returnFocus }: ImageDialogHooks): void {
  const dialog = byId('image-dialog', HTMLDialogElement);
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
    feature.focus(); // it was disabled while saving, which took the focus away
    if (!result) return;
    current = result.value;
    showFeatured();
    onChange('featured');
  });

  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete…');
  remove.addEventListener('click', async () => {
    if (!(await confirmAction('Delete this image? It leaves the gallery at once; its files are purged later by the orphan cleanup.', 'Delete'))) return;
    const result = await status.run(remove, 'Deleting', () => api.deleteImage(current.id));
    if (!result) {
      remove.focus(); // it was disabled while deleting, which took the focus away
      return;
    }
    dialog.close();
    onChange('deleted');
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
  dialog.addEventListener('close', returnFocus, { once: true });
  dialog.showModal();
  close.focus();
}
