import { byId } from './dom';

/**
 * Asks before something that cannot be undone, in a modal <dialog>: focus moves into it,
 * Escape or Cancel answers no. Resolves to true only for the confirm button.
 */
export function confirmAction(message: string, confirmLabel: string): Promise<boolean> {
  const dialog = byId('confirm-dialog', HTMLDialogElement);
  byId('confirm-dialog-message', HTMLParagraphElement).textContent = message;
  const confirm = byId('confirm-dialog-confirm', HTMLButtonElement);
  confirm.textContent = confirmLabel;
  dialog.returnValue = '';
  dialog.showModal();
  // The safe answer has the focus, so a stray Enter cancels.
  dialog.querySelector<HTMLButtonElement>('button[value="cancel"]')?.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
  });
}
