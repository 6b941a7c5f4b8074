/**
 * Finds the pictures in a raw LocalStorage dump (`{ "<key>": "<string value>", … }`) sent by the
 * browser app that predates this service. Pure: no I/O, nothing decoded beyond checking the
 * data URL envelope (the import decodes each `dataUrl` again and lets sharp judge the bytes).
 *
 * Rules:
 * - A value that is an image data URL is an image whose `itemId` is its storage key.
 * - A value that is JSON (object, array, or a JSON string holding a data URL) is walked to any
 *   depth up to {@link MAX_DEPTH}. Every image data URL found in it belongs to the nearest
 *   object around it: a field of that object, or an element of an array (of arrays …) that is a
 *   field of it. That object's other fields give `prompt`, `description`, `itemId` (string or
 *   finite number), `itemType`, `style`, `featured` (boolean) and `createdAt` (date string or ms
 *   epoch, normalised to ISO 8601; an unparseable date is ignored). A `description` with no
 *   `prompt` makes a scene; everything else is an image, whose `itemId` falls back to the
 *   storage key. Data URLs with no object around them (e.g. `["data:…", "data:…"]`) are images
 *   of the storage key. Blank strings count as absent.
 * - Image data URLs that fail {@link parseImageDataUrl} are reported in `failed` with the reason.
 * - Other values (settings, plain text, invalid JSON, numbers, null) are ignored silently.
 *   LocalStorage only holds strings, but a storage value that is already an object or array
 *   (a client that parsed it before sending) is walked as if it were its JSON text.
 * - Order: storage keys in the object's own-key order (insertion order, except that
 *   integer-like keys come first, as JavaScript defines it), then document order.
 * - Limits: containers more than {@link MAX_DEPTH} levels below the storage value are not
 *   entered, and at most {@link MAX_VALUES_PER_KEY} JSON values are visited per storage key;
 *   either cut-off is reported in `failed` when it may have hidden an image.
 * - No de-duplication: the same picture stored under two keys is found twice.
 */
import { looksLikeImageDataUrl, parseImageDataUrl } from './data-url.js';

export interface FoundImage {
  ref: string;
  dataUrl: string;
  prompt?: string;
  itemId?: string;
  itemType?: string;
  style?: string;
  featured?: boolean;
  createdAt?: string;
}

export interface FoundScene {
  ref: string;
  dataUrl: string;
  description: string;
  style?: string;
  createdAt?: string;
}

export interface ScanFailure {
  ref: string;
  reason: string;
}

export interface ScanResult {
  images: FoundImage[];
  scenes: FoundScene[];
  failed: ScanFailure[];
}

/** Deepest container level entered below a storage value (the value itself is level 0). */
export const MAX_DEPTH = 20;
/** JSON values visited per storage key before the rest of it is skipped. */
export const MAX_VALUES_PER_KEY = 100_000;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const HAS_YEAR = /\d{4}/;

interface Meta {
  prompt?: string;
  description?: string;
  itemId?: string;
  itemType?: string;
  style?: string;
  featured?: boolean;
  createdAt?: string;
}

type JsonObject = Record<string, unknown>;

export function scanLocalStorage(storage: Record<string, unknown>): ScanResult {
  const result: ScanResult = { images: [], scenes: [], failed: [] };
  for (const [key, value] of Object.entries(storage)) {
    const ref = `localStorage[${JSON.stringify(key)}]`;
    const root = typeof value === 'string' ? fromString(value) : value;
    if (looksLikeImageDataUrl(root)) {
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

  /** `owner` is the nearest object enclosing `node` (its metadata applies to data URLs in it). */
  visit(node: unknown, ref: string, depth: number, owner: JsonObject | undefined): void {
    if (!this.spend()) return;
    if (looksLikeImageDataUrl(node)) {
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

  /** Whether a subtree not walked holds an image data URL (iterative, within the same budget). */
  private holdsCandidate(node: object): boolean {
    const seen = new Set<object>([node]);
    const stack: object[] = [node];
    while (stack.length > 0) {
      const container = stack.pop() as object;
      if (!this.spend()) return false;
      for (const child of Array.isArray(container) ? container : Object.values(container)) {
        if (looksLikeImageDataUrl(child)) return true;
        if (typeof child === 'object' && child !== null && !seen.has(child)) {
          seen.add(child);
          stack.push(child);
        }
      }
    }
    return false;
  }
}

function emit(result: ScanResult, dataUrl: string, ref: string, key: string, owner: JsonObject | undefined): void {
  const parsed = parseImageDataUrl(dataUrl);
  if ('error' in parsed) {
    result.failed.push({ ref, reason: parsed.error });
    return;
  }
  const meta = owner === undefined ? {} : readMeta(owner);
  if (meta.description !== undefined && meta.prompt === undefined) {
    result.scenes.push({
      ref,
      dataUrl,
      description: meta.description,
      ...(meta.style !== undefined && { style: meta.style }),
      ...(meta.createdAt !== undefined && { createdAt: meta.createdAt }),
    });
    return;
  }
  result.images.push({
    ref,
    dataUrl,
    ...(meta.prompt !== undefined && { prompt: meta.prompt }),
    itemId: meta.itemId ?? key,
    ...(meta.itemType !== undefined && { itemType: meta.itemType }),
    ...(meta.style !== undefined && { style: meta.style }),
    ...(meta.featured !== undefined && { featured: meta.featured }),
    ...(meta.createdAt !== undefined && { createdAt: meta.createdAt }),
  });
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

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && !looksLikeImageDataUrl(value) ? value : undefined;
}

/**
 * ms epoch numbers, or strings `Date` parses that contain a four-digit year (V8 otherwise reads
 * e.g. "12" or "item 1" as dates). Strings without a zone are read in the server's zone.
 */
function isoDate(value: unknown): string | undefined {
  let date: Date;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === 'string' && HAS_YEAR.test(value)) date = new Date(value);
  else return undefined;
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
