import { api, ApiError, type Image, type ImagePage } from '../api';
import { el } from '../dom';
import type { DialogContext } from './image-dialog';

/** Edits listed under an image, newest first: more than a few from one picture is rare. */
const EDITS_SHOWN = 12;

/** An edit's source that is no longer there (soft-deleted: the API answers 404). */
const DELETED = 'deleted';

interface Lineage {
  parent: Image | typeof DELETED | null;
  edits: ImagePage;
}

/**
 * Where an image comes from and what was made from it: "Edited from" its source (or that the
 * source was deleted) and the edits made from it, each a button that shows it in the dialog.
 * Filled in once both are known; empty for an image with neither.
 */
export function lineagePanel(image: Image, context: DialogContext): HTMLElement {
  const panel = el('div', { class: 'lineage', 'aria-busy': 'true' });
  loadLineage(image)
    .then(({ parent, edits }) => panel.replaceChildren(...[parent && parentLine(parent, context), editsList(edits, context)].filter((part) => part !== null)))
    .catch((error: unknown) => {
      // Not once the dialog shows another image: the error would pass for that one's.
      if (panel.isConnected) context.status.showError(error);
    })
    .finally(() => panel.removeAttribute('aria-busy'));
  return panel;
}

async function loadLineage(image: Image): Promise<Lineage> {
  const [parent, edits] = await Promise.all([
    image.parentId ? parentOf(image.parentId) : null,
    api.searchImages({ parentId: image.id, sort: 'newest', page: 1, pageSize: EDITS_SHOWN }),
  ]);
  return { parent, edits };
}

function parentOf(id: string): Promise<Image | typeof DELETED> {
  return api.getImage(id).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return DELETED;
    throw error;
  });
}

function parentLine(parent: Image | typeof DELETED, context: DialogContext): HTMLElement {
  if (parent === DELETED) return el('p', {}, 'Edited from an image that has since been deleted.');
  return el('p', { class: 'lineage-parent' }, 'Edited from ', openButton(parent, context));
}

function editsList(edits: ImagePage, context: DialogContext): HTMLElement | null {
  if (edits.total === 0) return null;
  const more = edits.total - edits.items.length;
  return el(
    'div',
    { class: 'stack' },
    el('h3', { id: 'image-edits-heading' }, `Edits made from this image (${edits.total})`),
    el('ul', { class: 'lineage-list', 'aria-labelledby': 'image-edits-heading' }, ...edits.items.map((edit) => el('li', {}, openButton(edit, context)))),
    more > 0 ? el('p', { class: 'hint' }, `The newest ${edits.items.length} are shown; the gallery has all of them.`) : null,
  );
}

/** A button, named by the image's prompt beside its thumbnail, that shows it in the dialog. */
function openButton(image: Image, context: DialogContext): HTMLButtonElement {
  const button = el(
    'button',
    { type: 'button', class: 'lineage-link' },
    el('img', { src: image.urls.thumbnail, alt: '', width: image.thumbnailWidth, height: image.thumbnailHeight, loading: 'lazy' }),
    el('span', {}, image.prompt),
  );
  button.addEventListener('click', () => {
    context.status.clear(); // what it said was about the image shown until now
    context.show(image);
  });
  return button;
}
