import { ASPECT_RATIOS, IMAGE_SIZES, type ImageSize } from './api';
import { el } from './dom';

const SIZE_NAMES: Record<ImageSize, string> = { '1K': '1K (about 1024 px)', '2K': '2K (about 2048 px)', '4K': '4K (about 4096 px)' };

/** The options of an aspect-ratio select, for the forms in index.html and the edit form alike. */
export const aspectRatioOptions = (): HTMLOptionElement[] =>
  ASPECT_RATIOS.map((ratio) => el('option', { value: ratio }, ratio === '1:1' ? '1:1 (square)' : ratio));

/** The options of an image-size select; the first sends none, so the service's GEMINI_IMAGE_SIZE applies. */
export const imageSizeOptions = (): HTMLOptionElement[] => [
  el('option', { value: '' }, 'The service’s default'),
  ...IMAGE_SIZES.map((size) => el('option', { value: size }, SIZE_NAMES[size])),
];
