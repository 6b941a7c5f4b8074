/**
 * Finds the pictures in a raw LocalStorage dump (`{ "<key>": "<string value>", … }`): the
 * browser game's own keys read by their layout (game-storage.ts), any other app's by walking
 * them. Pure: pictures are checked here and decoded by the import.
 *
 * Rules for keys other than the game's picture keys:
 * - A picture is a data URL (`data:image/…`), or bare base64 whose first bytes are a PNG, JPEG,
 *   WebP or GIF signature.
 * - A value that is a picture is an image whose `itemId` is its storage key.
 * - A value that is JSON (object, array, or a JSON string holding a picture) is walked to any
 *   depth up to {@link MAX_DEPTH}. Every picture found in it belongs to the nearest
 *   object around it: a field of that object, or an element of an array (of arrays …) that is a
 *   field of it. That object's other fields give `prompt`, `description`, `itemId` (string or
 *   finite number), `itemType`, `style`, `featured` (boolean) and `createdAt` (date string or ms
 *   epoch, normalised to ISO 8601; an unparseable date is ignored). A `description` with no
 *   `prompt` makes a scene; everything else is an image, whose `itemId` falls back to the
 *   storage key. Pictures with no object around them (e.g. `["data:…", "data:…"]`) are images
 *   of the storage key. Blank strings count as absent.
 * - Pictures that fail {@link checkPicture} are reported in `failed` with the reason.
 * - Other values (settings, plain text, invalid JSON, numbers, null) are ignored silently.
 *   LocalStorage only holds strings, but a storage value that is already an object or array
 *   (a client that parsed it before sending) is walked as if it were its JSON text.
 * - Order: storage keys in the object's own-key order (insertion order, except that
 *   integer-like keys come first, as JavaScript defines it), then document order.
 * - Limits: containers more than {@link MAX_DEPTH} levels below the storage value are not
 *   entered, and at most {@link MAX_VALUES_PER_KEY} JSON values are visited per storage key;
 *   either cut-off is reported in `failed` when it may have hidden a picture.
 * - No de-duplication: the same picture stored under two keys is found twice.
 */
import { looksLikePicture } from './encoded-picture.js';
import { defined, emptyScan, isoDate, type JsonObject, pictureAt, type ScanResult, text } from './found-pictures.js';
import { GAME_PICTURE_READERS } from './game-storage.js';

/** Deepest container level entered below a storage value (the value itself is level 0). */
export const MAX_DEPTH = 20;
/** JSON values visited per storage key before the rest of it is skipped. */
export const MAX_VALUES_PER_KEY = 100_000;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

interface Meta {
  prompt?: string;
  description?: string;
  itemId?: string;
  itemType?: string;
  style?: string;
  featured?: boolean;
  createdAt?: string;
}

export function scanLocalStorage(storage: Record<string, unknown>): ScanResult {
  const result = emptyScan();
  for (const [key, value] of Object.entries(storage)) {
    const readGameKey = Object.hasOwn(GAME_PICTURE_READERS, key) ? GAME_PICTURE_READERS[key] : undefined;
    if (readGameKey) {
      readGameKey(value, result);
      continue;
    }
    const ref = `localStorage[${JSON.stringify(key)}]`;
    const root = typeof value === 'string' ? fromString(value) : value;
    if (looksLikePicture(root)) {
      emit(result, root, ref, key, undefined);
    } else if (typeof root === 'object' && root !== null) {
      new Walker(result, key, ref).visit(root, ref, 0, undefined);
    }
  }
  return result;
}

/** The storage string's JSON value if it looks like JSON, else the string itself. */
function fromString(value: string): unknown {
  const first = value.trimStart()[0];
  if (first !== '{' && first !== '[' && first !== '"') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

class Walker {
  private visited = 0;
  private exhausted = false;

  constructor(
    private readonly result: ScanResult,
    private readonly key: string,
    private readonly rootRef: string,
  ) {}

  /** `owner` is the nearest object enclosing `node` (its metadata applies to pictures in it). */
  visit(node: unknown, ref: string, depth: number, owner: JsonObject | undefined): void {
    if (!this.spend()) return;
    if (looksLikePicture(node)) {
      emit(this.result, node, ref, this.key, owner);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (depth >= MAX_DEPTH) {
      if (this.holdsCandidate(node)) {
        this.result.failed.push({ ref, reason: `images nested more than ${MAX_DEPTH} levels deep are not imported` });
      }
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => this.visit(item, `${ref}[${index}]`, depth + 1, owner));
      return;
    }
    const object = node as JsonObject;
    for (const [field, item] of Object.entries(object)) {
      const step = IDENTIFIER.test(field) ? `.${field}` : `[${JSON.stringify(field)}]`;
      this.visit(item, ref + step, depth + 1, object);
    }
  }

  /** Counts one visited value; false once the per-key budget is spent (reported once). */
  private spend(): boolean {
    if (this.visited >= MAX_VALUES_PER_KEY) {
      if (!this.exhausted) {
        this.exhausted = true;
        this.result.failed.push({
          ref: this.rootRef,
          reason: `holds more than ${MAX_VALUES_PER_KEY} values; the rest of it was not searched for images`,
        });
      }
      return false;
    }
    this.visited++;
    return true;
  }

  /** Whether a subtree not walked holds a picture (iterative, within the same budget). */
  private holdsCandidate(node: object): boolean {
    const seen = new Set<object>([node]);
    const stack: object[] = [node];
    while (stack.length > 0) {
      const container = stack.pop() as object;
      if (!this.spend()) return false;
      for (const child of Array.isArray(container) ? container : Object.values(container)) {
        if (looksLikePicture(child)) return true;
        if (typeof child === 'object' && child !== null && !seen.has(child)) {
          seen.add(child);
          stack.push(child);
        }
      }
    }
    return false;
  }
}

function emit(result: ScanResult, picture: string, ref: string, key: string, owner: JsonObject | undefined): void {
  const base64 = pictureAt(result, ref, picture);
  if (base64 === undefined) return;
  const meta: Meta = owner === undefined ? {} : readMeta(owner);
  const { prompt, description, itemId, ...rest } = meta;
  if (description !== undefined && prompt === undefined) {
    result.scenes.push({ ref, base64, description, ...defined({ style: rest.style, createdAt: rest.createdAt }) });
  } else {
    result.images.push({ ref, base64, itemId: itemId ?? key, ...defined({ prompt, ...rest }) });
  }
}

function readMeta(object: JsonObject): Meta {
  const itemId = object.itemId;
  return {
    prompt: text(object.prompt),
    description: text(object.description),
    itemId: typeof itemId === 'number' && Number.isFinite(itemId) ? String(itemId) : text(itemId),
    itemType: text(object.itemType),
    style: text(object.style),
    featured: typeof object.featured === 'boolean' ? object.featured : undefined,
    createdAt: isoDate(object.createdAt),
  };
}
