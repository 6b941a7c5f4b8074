import { api, type Image, type ImagePage, type SearchFilters } from '../api';
import { byId, el, filledFields } from '../dom';
import { plural } from '../format';
import { StatusLine } from '../status';
import { openImageDialog } from './image-dialog';

const PAGE_SIZE = 24;

/** A card's two buttons: its thumbnail (opens the dialog) and its star. */
type CardControl = 'open' | 'star';
/**
 * Where the keyboard focus goes once the grid is rebuilt (the button that had it is gone):
 * the same control of the same card, or after a delete the card that took its place.
 */
type FocusAfterRender = { id: string; control: CardControl } | { replacing: string | undefined };
/** Typing pauses this long before the search runs, so each keystroke does not query. */
const TYPING_PAUSE_MS = 300;

/** Thumbnails in a grid with search, filters and pages; a thumbnail opens the image dialog. */
export function createGallery(): { refresh: () => Promise<void> } {
  const form = byId('gallery-filters', HTMLFormElement);
  const grid = byId('gallery-grid', HTMLUListElement);
  const status = new StatusLine(byId('gallery-status', HTMLParagraphElement));
  const previous = byId('gallery-prev', HTMLButtonElement);
  const next = byId('gallery-next', HTMLButtonElement);
  const pageLabel = byId('gallery-page', HTMLSpanElement);
  let page = 1;
  let totalPages = 1;
  // Answers can arrive out of order while someone types; only the latest request may render.
  let latestRequest = 0;

  // The form's fields are named after the query parameters (q, featured, itemType, source, sort).
  const filters = (): SearchFilters => ({ ...filledFields(form), page, pageSize: PAGE_SIZE });

  async function refresh(focus?: FocusAfterRender): Promise<void> {
    const request = ++latestRequest;
    grid.setAttribute('aria-busy', 'true');
    try {
      const result = await api.searchImages(filters());
      if (request !== latestRequest) return;
      // A delete can empty the last page: step back to the one that still exists (page 1 when none match).
      if (result.items.length === 0 && page > 1) {
        page = Math.max(1, result.totalPages);
        return refresh(focus);
      }
      render(result);
      if (focus) restoreFocus(focus);
    } catch (error) {
      if (request === latestRequest) status.showError(error);
    } finally {
      if (request === latestRequest) grid.removeAttribute('aria-busy');
    }
  }

  function render(result: ImagePage): void {
    totalPages = Math.max(1, result.totalPages);
    grid.replaceChildren(...result.items.map(card));
    const filtered = Object.entries(filters()).some(([name, value]) => !['page', 'pageSize', 'sort'].includes(name) && value !== undefined);
    if (result.total === 0) {
      status.show('info', filtered ? 'No images match these filters.' : 'No images yet.', filtered ? undefined : 'Generate one, describe a scene or import from this browser.');
    } else {
      status.show('info', `${plural(result.total, 'image')}${filtered ? ' match' : ''}.`);
    }
    pageLabel.textContent = `Page ${result.page} of ${totalPages}`;
    previous.disabled = page <= 1;
    next.disabled = page >= totalPages;
  }

  const control = (id: string, name: CardControl) => grid.querySelector<HTMLButtonElement>(`li[data-id="${CSS.escape(id)}"] [data-control="${name}"]`);

  function restoreFocus(focus: FocusAfterRender): void {
    const target =
      'id' in focus
        ? control(focus.id, focus.control)
        : ((focus.replacing === undefined ? null : control(focus.replacing, 'open')) ?? grid.querySelector<HTMLButtonElement>('[data-control="open"]'));
    (target ?? byId('gallery-heading', HTMLHeadingElement)).focus();
  }

  /** The card after this one (or before it, when it is the last): where the focus goes when it is deleted. */
  function neighbourOf(id: string): string | undefined {
    const item = grid.querySelector<HTMLLIElement>(`li[data-id="${CSS.escape(id)}"]`);
    const neighbour = item?.nextElementSibling ?? item?.previousElementSibling;
    return neighbour instanceof HTMLElement ? neighbour.dataset.id : undefined;
  }

  function card(image: Image): HTMLLIElement {
    const open = el(
      'button',
      { type: 'button', class: 'thumb', 'data-control': 'open' },
      el('img', { src: image.urls.thumbnail, alt: image.prompt, width: image.thumbnailWidth, height: image.thumbnailHeight, loading: 'lazy' }),
    );
    open.addEventListener('click', () =>
      openImageDialog(image, {
        // The dialog can go on to an edit or source of this image: only deleting this one moves the focus on.
        onChange: (change, changed) => void refresh(change === 'deleted' && changed.id === image.id ? { replacing: neighbourOf(image.id) } : undefined),
        // The thumbnail that opened the dialog may have been rebuilt meanwhile (after a feature).
        returnFocus: () => control(image.id, 'open')?.focus(),
      }),
    );
    const star = el(
      'button',
      { type: 'button', class: 'star', 'data-control': 'star', 'aria-pressed': String(image.featured), title: image.featured ? 'Featured: click to unfeature' : 'Feature this image' },
      image.featured ? '★' : '☆',
    );
    star.setAttribute('aria-label', `Feature: ${image.prompt}`);
    star.addEventListener('click', async () => {
      const result = await status.run(star, 'Saving', () => api.setFeatured(image.id, !image.featured));
      // The star was disabled while saving, which took the focus away: give it back.
      if (result) await refresh({ id: image.id, control: 'star' });
      else star.focus();
    });
    const meta = [image.itemType, image.source === 'import' ? 'imported' : null].filter(Boolean).join(' · ');
    return el(
      'li',
      { class: 'card', 'data-id': image.id },
      open,
      el('div', { class: 'card-meta' }, el('p', { class: 'prompt' }, image.prompt), star),
      meta ? el('p', { class: 'meta' }, meta) : null,
    );
  }

  const searchFromPageOne = () => {
    page = 1;
    void refresh();
  };
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typingTimer);
    searchFromPageOne();
  });
  form.addEventListener('input', (event) => {
    clearTimeout(typingTimer);
    if (event.target instanceof HTMLSelectElement) searchFromPageOne();
    else typingTimer = setTimeout(searchFromPageOne, TYPING_PAUSE_MS);
  });
  previous.addEventListener('click', () => {
    page = Math.max(1, page - 1);
    void refresh();
  });
  next.addEventListener('click', () => {
    page = Math.min(totalPages, page + 1);
    void refresh();
  });

  return { refresh: () => refresh() };
}
