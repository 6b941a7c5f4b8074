import { api, type Image } from './api';
import { el } from './dom';
import { describeError } from './errors';

/** The API's largest page: most tables have far fewer characters, so one request. */
const PAGE_SIZE = 100;

interface Character {
  itemId: string;
  /** Its newest featured image: the one the service shows the model. */
  image: Image;
}

export interface CharacterPicker {
  /** Reads the characters anew (an image may have been featured since), keeping what was ticked. */
  refresh: () => Promise<void>;
  /** The ticked characters' item ids; undefined when none, which the API reads as "not given". */
  selected: () => string[] | undefined;
}

/**
 * Fills a form's <fieldset> with a checkbox per character a drawing can keep consistent: each
 * item with a featured image, shown with that image. The boxes have no name, so the form's
 * other fields (read with filledFields) do not pick them up.
 */
export function createCharacterPicker(fieldset: HTMLFieldSetElement): CharacterPicker {
  const list = el('div', { class: 'character-picker' });
  fieldset.replaceChildren(
    el('legend', {}, 'Characters to keep consistent ', el('span', { class: 'optional' }, '(optional)')),
    el('p', { class: 'hint' }, 'The model is shown each one’s featured image (4 at most with the default model). To add a character here, feature one of its images in the gallery.'),
    list,
  );
  // Answers can arrive out of order when the view is shown twice quickly; only the latest may render.
  let latestRequest = 0;

  const checked = () => [...list.querySelectorAll<HTMLInputElement>('input[type="checkbox"]:checked')].map((box) => box.value);

  async function refresh(): Promise<void> {
    const request = ++latestRequest;
    list.setAttribute('aria-busy', 'true');
    try {
      const characters = await featuredCharacters();
      if (request !== latestRequest) return;
      const ticked = new Set(checked());
      list.replaceChildren(
        characters.length > 0
          ? el('ul', { class: 'character-list' }, ...characters.map((character) => characterBox(character, ticked.has(character.itemId))))
          : el('p', { class: 'hint' }, 'No characters yet.'),
      );
    } catch (error) {
      if (request === latestRequest) list.replaceChildren(el('p', { class: 'hint' }, `The characters could not be loaded: ${describeError(error).title}.`));
    } finally {
      if (request === latestRequest) list.removeAttribute('aria-busy');
    }
  }

  return {
    refresh,
    selected: () => {
      const ids = checked();
      return ids.length > 0 ? ids : undefined;
    },
  };
}

/** Items with a featured image, by item id; images without an item are no character. */
async function featuredCharacters(): Promise<Character[]> {
  const newest = new Map<string, Image>();
  for (let page = 1, totalPages = 1; page <= totalPages; page++) {
    const result = await api.searchImages({ featured: true, sort: 'newest', page, pageSize: PAGE_SIZE });
    totalPages = result.totalPages;
    for (const image of result.items) {
      if (image.itemId && !newest.has(image.itemId)) newest.set(image.itemId, image);
    }
  }
  return [...newest].map(([itemId, image]) => ({ itemId, image })).sort((a, b) => a.itemId.localeCompare(b.itemId));
}

/** A checkbox labelled with the character's item id; its picture is decoration beside the name. */
function characterBox({ itemId, image }: Character, checked: boolean): HTMLLIElement {
  return el(
    'li',
    {},
    el(
      'label',
      { class: 'character' },
      el('input', { type: 'checkbox', value: itemId, checked }),
      el('img', { src: image.urls.thumbnail, alt: '', width: image.thumbnailWidth, height: image.thumbnailHeight, loading: 'lazy' }),
      el('span', {}, itemId),
    ),
  );
}
