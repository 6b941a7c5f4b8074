import { api, type GenerateSceneRequest } from '../api';
import { createCharacterPicker } from '../character-picker';
import { byId, el, filledFields } from '../dom';
import { formatDateTime, formatRelative, plural } from '../format';
import { galleryLink, imageFigure } from '../image-view';
import { StatusLine } from '../status';

/**
 * Describe a scene (with characters to keep consistent), see its art with whether the cache
 * answered and until when it is kept. `refresh` reads the characters anew when the view is shown.
 */
export function createScenesView(): { refresh: () => Promise<void> } {
  const form = byId('scene-form', HTMLFormElement);
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const characters = createCharacterPicker(byId('scene-characters', HTMLFieldSetElement));
  const forceRegenerate = byId('scene-force', HTMLInputElement);
  const status = new StatusLine(byId('scene-status', HTMLParagraphElement));
  const result = byId('scene-result', HTMLDivElement);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { description = '', ...options } = filledFields(form);
    const request: GenerateSceneRequest = { description, ...options, characters: characters.selected(), forceRegenerate: forceRegenerate.checked || undefined };
    result.replaceChildren(); // an earlier result must not pass for this request's
    const answered = await status.run(submit, 'Drawing the scene', () => api.generateScene(request));
    if (!answered) return;
    const { scene, cache } = answered.value;
    const hit = cache === 'HIT';
    status.show('success', hit ? 'Served from the cache: no new drawing was needed.' : 'Drawn and cached.');
    result.replaceChildren(
      imageFigure(
        scene.image,
        el(
          'p',
          { class: 'scene-meta' },
          el('span', { class: `badge ${hit ? 'hit' : 'miss'}` }, hit ? 'Cached (HIT)' : 'New (MISS)'),
          ' ',
          el('span', {}, `Expires ${formatDateTime(scene.expiresAt)} (${formatRelative(scene.expiresAt)})`),
          ' · ',
          el('span', {}, `served from the cache ${plural(scene.hitCount, 'time')}`),
        ),
        el('p', {}, galleryLink()),
      ),
    );
  });

  return { refresh: characters.refresh };
}
