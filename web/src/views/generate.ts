import { api, type GenerateImageRequest, type Image } from '../api';
import { imageOf, ViewJob } from '../job-runner';
import { createCharacterPicker } from '../character-picker';
import { byId, el, filledFields } from '../dom';
import { galleryLink, imageDetails, imageFigure } from '../image-view';
import { StatusLine } from '../status';

/**
 * The generate form: a prompt and its options (and characters to keep consistent) in, the new
 * image (already in the gallery) out. `refresh` reads the characters anew when the view is shown.
 */
export function createGenerateView(): { refresh: () => Promise<void> } {
  const form = byId('generate-form', HTMLFormElement);
  const submit = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const characters = createCharacterPicker(byId('generate-characters', HTMLFieldSetElement));
  const status = new StatusLine(byId('generate-status', HTMLParagraphElement));
  const result = byId('generate-result', HTMLDivElement);
  const job = new ViewJob('generate', status, 'Generating', imageOf);

  const show = (generated: { value: Image } | undefined) => {
    if (!generated) return;
    const image = generated.value;
    status.show('success', 'Done.', 'The image is in the gallery.');
    result.replaceChildren(imageFigure(image, imageDetails(image), el('p', {}, galleryLink())));
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { prompt = '', ...options } = filledFields(form);
    const request: GenerateImageRequest = { prompt, ...options, characters: characters.selected() };
    result.replaceChildren(); // an earlier result must not pass for this request's
    show(await job.run(submit, async () => ({ job: await api.submitImage(request) })));
  });
  // A reload while a generation waited: pick it up again.
  void job.resume(submit).then(show);

  return { refresh: characters.refresh };
}
