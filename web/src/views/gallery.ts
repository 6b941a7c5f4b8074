import { api, type Image, type ImagePage, type SearchFilters } from '../api';
import { byId, el } from '../dom';
import { plural } from '../format';
import { StatusLine } from '../status';
import { openImageDialog } from './image-dialog';

const PAGE_SIZE = 24;
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

  const filters = (): SearchFilters => {
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value.trim() || undefined;
    return {
      q: value('q'),
      featured: value('featured') as SearchFilters['featured'],
      itemType: value('itemType'),
      source: value('source') as SearchFilters['source'],
      sort: value('sort') as SearchFilters['sort'],
      page,
      pageSize: PAGE_SIZE,
    };
  };

  async function refresh(): Promise<void> {
    const request = ++latestRequest;
    grid.setAttribute('aria-busy', 'true');
    try {
      const result = await api.searchImages(filters());
      if (request !== latestRequest) return;
      // A delete can empty the last page: step back to the one that still exists.
      if (result.items.length === 0 && page > 1 && result.totalPages > 0) {
        page = result.totalPages;
        return refresh();
      }
      render(result);
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

  function card(image: Image): HTMLLIElement {
    const open = el(
      'button',
      { type: 'button', class: 'thumb' },
      el('img', { src: image.urls.thumbnail, alt: image.prompt, width: image.thumbnailWidth, height: image.thumbnailHeight, loading: 'lazy' }),
    );
    open.addEventListener('click', () => openImageDialog(image, () => void refresh()));
    const star = el('button', { type: 'button', class: 'star', 'aria-pressed': String(image.featured), title: image.featured ? 'Featured: click to unfeature' : 'Feature this image' }, image.featured ? '★' : '☆');
    star.setAttribute('aria-label', `Feature: ${image.prompt}`);
    star.addEventListener('click', async () => {
      const result = await status.run(star, 'Saving', () => api.setFeatured(image.id, !image.featured));
      if (result) await refresh();
    });
    const meta = [image.itemType, image.source === 'import' ? 'imported' : null].filter(Boolean).join(' · ');
    return el('li', { class: 'card' }, open, el('div', { class: 'card-meta' }, el('p', { class: 'prompt' }, image.prompt), star), meta ? el('p', { class: 'meta' }, meta) : null);
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

  return { refresh };
}
