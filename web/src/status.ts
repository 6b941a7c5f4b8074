import { el } from './dom';
import { describeError } from './errors';

export type StatusKind = 'info' | 'success' | 'error' | 'busy';

/**
 * A view's status line: a polite live region, so screen readers announce results, errors and
 * the start of slow work. The ticking seconds are hidden from them (one announcement, not one
 * per second).
 */
export class StatusLine {
  constructor(readonly element: HTMLElement) {}

  show(kind: StatusKind, title: string, detail?: string): void {
    this.element.dataset.kind = kind;
    this.element.replaceChildren(el('strong', {}, title), detail ? ` ${detail}` : '');
  }

  showError(error: unknown): void {
    const { title, detail } = describeError(error);
    this.show('error', title, detail);
  }

  clear(): void {
    delete this.element.dataset.kind;
    this.element.replaceChildren();
  }

  /**
   * Runs slow work (a generation takes seconds with Gemini): the buttons are disabled and the
   * line shows `label…` with the elapsed seconds; a failure is shown here. Resolves to the
   * task's result, or `undefined` after a failure. The task may `note` how it stands (a job's
   * place in the line), shown after the label.
   */
  async run<T>(buttons: HTMLButtonElement | HTMLButtonElement[], label: string, task: (note: (text: string) => void) => Promise<T>): Promise<{ value: T } | undefined> {
    const disabled = Array.isArray(buttons) ? buttons : [buttons];
    const started = performance.now();
    const elapsed = el('span', { class: 'elapsed', 'aria-hidden': 'true' }, '0 s');
    const noted = el('span', { class: 'job-state' });
    this.element.dataset.kind = 'busy';
    this.element.replaceChildren(el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('strong', {}, `${label}…`), ' ', noted, ' ', elapsed);
    const timer = setInterval(() => {
      elapsed.textContent = `${Math.floor((performance.now() - started) / 1000)} s`;
    }, 250);
    for (const button of disabled) button.disabled = true;
    try {
      const value = await task((text) => (noted.textContent = text));
      this.clear();
      return { value };
    } catch (error) {
      this.showError(error);
      return undefined;
    } finally {
      clearInterval(timer);
      for (const button of disabled) button.disabled = false;
    }
  }
}
