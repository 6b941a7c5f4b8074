/**
 * A saved LocalStorage dump: the JSON file the console line below writes on the game's page
 * (`{"<key>": "<string value>", …}`), or the same wrapped as the migration route's body
 * (`{"localStorage": {…}}`).
 */

/** The file name the console line saves under. */
export const DUMP_FILE_NAME = 'game-localstorage.json';

/**
 * Pasted into the browser console on the game's page (F12 → Console): downloads that page's
 * LocalStorage as a JSON file. One line, no dependencies; it also works on a page opened from disk.
 */
export const DUMP_COMMAND =
  `(() => { const a = document.createElement('a'); ` +
  `a.href = URL.createObjectURL(new Blob([JSON.stringify(Object.fromEntries(Object.entries(localStorage)))], { type: 'application/json' })); ` +
  `a.download = '${DUMP_FILE_NAME}'; a.click(); })()`;

/** Why a file cannot be imported, in words for the status line. */
export class DumpFileError extends Error {
  override name = 'DumpFileError';
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The LocalStorage entries in a dump file's text. Values should be strings (as LocalStorage
 * holds them); any other JSON value is sent as its JSON text, which is what LocalStorage
 * would have held for it.
 */
export function parseDumpFile(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DumpFileError(`This file is not JSON (${error instanceof Error ? error.message : String(error)}).`);
  }
  // Wrapped as the route's body; a raw dump's own "localStorage" key would hold a string.
  const dump = isObject(parsed) && isObject(parsed.localStorage) ? parsed.localStorage : parsed;
  if (!isObject(dump)) {
    throw new DumpFileError('This file holds no LocalStorage dump: expected a JSON object of keys and values, raw or as {"localStorage": {…}}.');
  }
  const entries: Record<string, string> = {};
  for (const [key, value] of Object.entries(dump)) entries[key] = typeof value === 'string' ? value : JSON.stringify(value);
  if (Object.keys(entries).length === 0) throw new DumpFileError('This file’s dump has no entries: it holds nothing to import.');
  return entries;
}
