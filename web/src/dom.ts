/** Small DOM helpers. Text always goes in as text nodes: prompts are user input, never HTML. */

export type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined>;

/** `el('a', { href: '#gallery', class: 'button' }, 'Open')`; `false`/`undefined` attributes are left out. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((child) => child !== null && child !== undefined && child !== false).map((child) => (typeof child === 'number' ? String(child) : child)));
  return element;
}

/** The element with this id, checked to be of the expected kind (a missing one is a bug in index.html). */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`index.html has no ${kind.name} #${id}`);
  return element;
}

/** A definition list of label → value rows, the shape of every report and stats panel. */
export function detailsList(rows: Array<[string, Child]>, className = 'details'): HTMLDListElement {
  return el('dl', { class: className }, ...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value ?? '–')]));
}

/**
 * A table with a caption and column headers; with `rowHeaders`, each row's first cell heads
 * its row (a screen reader then names the job or file a cell belongs to).
 */
export function dataTable(caption: string, columns: string[], rows: Child[][], { rowHeaders = false, className }: { rowHeaders?: boolean; className?: string } = {}): HTMLTableElement {
  // data-label names a cell's column where a narrow screen stacks the rows (see styles.css).
  const cell = (value: Child, index: number) => (rowHeaders && index === 0 ? el('th', { scope: 'row' }, value) : el('td', { 'data-label': columns[index] }, value));
  return el(
    'table',
    { class: className },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...columns.map((column) => el('th', { scope: 'col' }, column)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map(cell)))),
  );
}

/** A form's text fields, trimmed, without the empty ones (the API treats absent as "not given"). */
export function filledFields(form: HTMLFormElement): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim()) fields[name] = value.trim();
  }
  return fields;
}
