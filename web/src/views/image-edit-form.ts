import { api, type Image } from '../api';
import { imageOf, ViewJob } from '../job-runner';
import { el, filledFields } from '../dom';
import { aspectRatioOptions, imageSizeOptions } from '../drawing-options';
import type { DialogContext } from './image-dialog';

/** A labelled control of the edit form. */
const field = (id: string, label: string, control: HTMLElement, hint?: HTMLElement) =>
  el('div', { class: 'field' }, el('label', { for: id }, label), control, hint);

/**
 * The dialog's "Edit…" button and the form it opens: an instruction (and, if wanted, another
 * shape or size) in; the new image, drawn from this one, is then shown in the dialog.
 */
export function createEditForm(image: Image, context: DialogContext): { toggle: HTMLButtonElement; form: HTMLFormElement } {
  const toggle = el('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'image-edit-form' }, 'Edit…');
  const instruction = el('textarea', {
    id: 'image-edit-instruction',
    name: 'instruction',
    rows: 3,
    required: true,
    minlength: 3,
    maxlength: 2000,
    'aria-describedby': 'image-edit-hint',
    placeholder: 'the same dwarf, wounded, in the rain',
  });
  const aspectRatio = el('select', { id: 'image-edit-aspect', name: 'aspectRatio' }, ...aspectRatioOptions());
  // The source's shape by default (an import without one is drawn square, as the service would).
  aspectRatio.value = image.aspectRatio ?? '1:1';
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Draw the edit');
  const cancel = el('button', { type: 'button' }, 'Cancel');
  const form = el(
    'form',
    { id: 'image-edit-form', class: 'panel stack edit-form', 'aria-label': 'Edit this image', hidden: true },
    field('image-edit-instruction', 'What to change', instruction, el('p', { class: 'hint', id: 'image-edit-hint' }, 'The rest of the picture stays. The edit is a new image; this one is kept.')),
    el('div', { class: 'row' }, field('image-edit-aspect', 'Aspect ratio', aspectRatio), field('image-edit-size', 'Image size', el('select', { id: 'image-edit-size', name: 'imageSize' }, ...imageSizeOptions()))),
    el('div', { class: 'actions' }, submit, cancel),
  );

  const setOpen = (open: boolean) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    (open ? instruction : toggle).focus();
  };
  toggle.addEventListener('click', () => setOpen(toggle.getAttribute('aria-expanded') !== 'true'));
  cancel.addEventListener('click', () => setOpen(false));

  // Per source image: reopening this image's dialog after a reload finds its edit again.
  const job = new ViewJob(`edit:${image.id}`, context.status, 'Drawing the edit', imageOf);
  const show = (edited: { value: Image } | undefined) => {
    if (!edited) return;
    context.onChange('edited', edited.value);
    context.status.show('success', 'Done.', 'The edit is a new image in the gallery; the original is kept.');
    // Unless the dialog went on to another image meanwhile, show the edit.
    if (form.isConnected) context.show(edited.value);
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { instruction: text = '', ...options } = filledFields(form);
    const edited = await job.run([submit, toggle], async () => ({ job: await api.submitEdit(image.id, { instruction: text, ...options }) }));
    if (!edited) {
      instruction.focus(); // the button was disabled, which took the focus away; rephrase and retry
      return;
    }
    show(edited);
  });
  void job.resume([submit, toggle]).then(show);

  return { toggle, form };
}
