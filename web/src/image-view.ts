import type { Image } from './api';
import { type Child, detailsList, el } from './dom';
import { formatBytes, formatDateTime } from './format';

const SOURCE_NAMES: Record<Image['source'], string> = { gemini: 'Gemini', local: 'Local provider', import: 'Imported' };

/** Everything known about an image, as a definition list. */
export function imageDetails(image: Image): HTMLDListElement {
  return detailsList([
    ['Style', image.style],
    ['Item', [image.itemType, image.itemId].filter(Boolean).join(' · ') || null],
    ['Source', image.model ? `${SOURCE_NAMES[image.source]} (${image.model})` : SOURCE_NAMES[image.source]],
    ['Size', `${image.width} × ${image.height} px, ${formatBytes(image.sizeBytes)}`],
    ['Created', formatDateTime(image.createdAt)],
    ['Featured', image.featured ? 'Yes' : 'No'],
  ]);
}

/** The full image with its prompt, as a freshly generated result shows it. */
export function imageFigure(image: Image, ...extra: Child[]): HTMLElement {
  return el(
    'figure',
    { class: 'figure' },
    el('img', { src: image.urls.full, alt: image.prompt, width: image.width, height: image.height }),
    el('figcaption', {}, el('p', { class: 'prompt' }, image.prompt), ...extra),
  );
}

/** A link to the gallery, where every new image lands. */
export const galleryLink = (text = 'See it in the gallery') => el('a', { href: '#gallery' }, text);
