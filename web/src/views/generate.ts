import { api, type GenerateImageRequest } from '../api';
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

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { prompt = '', ...options } = filledFields(form);
    const request: GenerateImageRequest = { prompt, ...options, characters: characters.selected() };
    result.replaceChildren(); // an earlier result must not pass for this request's
    const generated = await status.run(submit, 'Generating', () => api.generateImage(request));
    if (!generated) return;
    const image = generated.value;
    status.show('success', 'Done.', 'The image is in the gallery.');
    result.replaceChildren(imageFigure(image, imageDetails(image), el('p', {}, galleryLink())));
  });

  return { refresh: characters.refresh };
}
