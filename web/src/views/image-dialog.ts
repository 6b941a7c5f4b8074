import { api, type Image } from '../api';
import { confirmAction } from '../confirm';
import { byId, el } from '../dom';
import { imageDetails } from '../image-view';
import { StatusLine } from '../status';
import { createEditForm } from './image-edit-form';
import { lineagePanel } from './image-lineage';

export type ImageChange = 'featured' | 'deleted' | 'edited';

export interface ImageDialogHooks {
  /** Runs after a change to `image` (after an edit: the new one), so the gallery can show it. */
  onChange: (change: ImageChange, image: Image) => void;
  /** Puts the focus back where the dialog was opened from, once it closes. */
  returnFocus: () => void;
}

/** What the parts of the dialog share while it is open, whichever image it shows. */
export interface DialogContext {
  /**
   * One status line for the whole time the dialog is open, so "Done." after an edit stays
   * while the new image is shown.
   */
  status: StatusLine;
  /** Shows another image in the dialog (an edit's source, one of its edits, a new edit). */
  show: (image: Image) => void;
  onChange: ImageDialogHooks['onChange'];
  close: () => void;
}

/**
 * The full image with its prompt, details and lineage, to feature, edit or delete. A modal
 * <dialog>: Escape closes it and focus returns to the thumbnail that opened it.
 */
export function openImageDialog(image: Image, { onChange, returnFocus }: ImageDialogHooks): void {
  const dialog = byId('image-dialog', HTMLDialogElement);
  const context: DialogContext = {
    status: new StatusLine(el('p', { class: 'status', role: 'status' })),
    // The old image's buttons are gone: the focus starts again at the top, as on opening.
    show: (shown) => render(shown).focus(),
    onChange,
    close: () => dialog.close(),
  };
  /** Shows an image; answers the button the focus should start at. */
  const render = (shown: Image): HTMLButtonElement => {
    const { content, close } = imagePanel(shown, context);
    dialog.replaceChildren(...content);
    return close;
  };

  const close = render(image);
  dialog.addEventListener('close', returnFocus, { once: true });
  dialog.showModal();
  close.focus();
}

/** The dialog's content for one image. */
function imagePanel(image: Image, context: DialogContext): { content: HTMLElement[]; close: HTMLButtonElement } {
  const { status } = context;
  let current = image;

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
    context.onChange('featured', current);
  });

  const edit = createEditForm(image, context);

  const remove = el('button', { type: 'button', class: 'danger' }, 'Delete…');
  remove.addEventListener('click', async () => {
    if (!(await confirmAction('Delete this image? It leaves the gallery at once; its files are purged later by the orphan cleanup.', 'Delete'))) return;
    const result = await status.run(remove, 'Deleting', () => api.deleteImage(current.id));
    if (!result) {
      remove.focus(); // it was disabled while deleting, which took the focus away
      return;
    }
    context.close();
    context.onChange('deleted', current);
  });

  const close = el('button', { type: 'button' }, 'Close');
  close.addEventListener('click', context.close);

  const content = [
    el('div', { class: 'dialog-head' }, el('h2', { id: 'image-dialog-heading' }, 'Image details'), close),
    el('img', { class: 'full', src: image.urls.full, alt: image.prompt, width: image.width, height: image.height }),
    el('p', { class: 'prompt' }, image.prompt),
    details,
    lineagePanel(image, context),
    el('div', { class: 'actions' }, feature, edit.toggle, el('a', { href: image.urls.full, target: '_blank', rel: 'noopener' }, 'Open full size'), remove),
    edit.form,
    status.element,
  ];
  return { content, close };
}
