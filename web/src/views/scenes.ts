import { api, type GenerateSceneRequest, resultOf, type Scene } from '../api';
import { ViewJob } from '../job-runner';
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
  // A job draws a miss; its answer is a scene the cache did not have.
  const job = new ViewJob('scenes', status, 'Drawing the scene', (finished) => ({ scene: resultOf<Scene>(finished), cache: 'MISS' }));

  const show = (answered: { value: { scene: Scene; cache: string } } | undefined) => {
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
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { description = '', ...options } = filledFields(form);
    const request: GenerateSceneRequest = { description, ...options, characters: characters.selected(), forceRegenerate: forceRegenerate.checked || undefined };
    result.replaceChildren(); // an earlier result must not pass for this request's
    show(
      await job.run(submit, async () => {
        const answer = await api.submitScene(request);
        return 'job' in answer ? answer : { done: answer };
      }),
    );
  });
  // A reload while a scene was being drawn: pick it up again.
  void job.resume(submit).then(show);

  return { refresh: characters.refresh };
}
