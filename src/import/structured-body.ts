/**
 * This service's structured import form, `{ images: [...], scenes: [...] }`, entry by entry: a
 * malformed entry fails alone. Pure.
 */
import { defined, emptyScan, type FoundImage, type FoundScene, pictureAt, type ScanResult } from './found-pictures.js';

export interface StructuredBody {
  images?: unknown[];
  scenes?: unknown[];
}

type FieldType = 'string' | 'boolean' | 'date';

const IMAGE_FIELDS: Record<string, FieldType> = { dataUrl: 'string', prompt: 'string', itemId: 'string', itemType: 'string', style: 'string', featured: 'boolean', createdAt: 'date' };
const SCENE_FIELDS: Record<string, FieldType> = { dataUrl: 'string', description: 'string', style: 'string', createdAt: 'date' };

export function readStructuredBody(body: StructuredBody): ScanResult {
  const result = emptyScan();
  (body.images ?? []).forEach((raw, index) => {
    const entry = readEntry<FoundImage>(result, `images[${index}]`, raw, IMAGE_FIELDS, ['dataUrl']);
    if (entry) result.images.push(entry);
  });
  (body.scenes ?? []).forEach((raw, index) => {
    const entry = readEntry<FoundScene>(result, `scenes[${index}]`, raw, SCENE_FIELDS, ['dataUrl', 'description']);
    if (entry) result.scenes.push(entry);
  });
  return result;
}

/**
 * The entry's fields (their types checked against `fields`, which mirror `T`'s) with `dataUrl`
 * checked into `base64` and `createdAt` as ISO 8601; undefined once its failure is recorded.
 */
function readEntry<T extends FoundImage | FoundScene>(result: ScanResult, ref: string, raw: unknown, fields: Record<string, FieldType>, required: string[]): T | undefined {
  const problem = fieldsProblem(raw, fields, required);
  if (problem) {
    result.failed.push({ ref, reason: problem });
    return undefined;
  }
  const { dataUrl, createdAt, ...rest } = raw as Record<string, unknown>;
  const base64 = pictureAt(result, ref, dataUrl);
  if (base64 === undefined) return undefined;
  const known = Object.entries(rest).filter(([, value]) => value !== null && value !== undefined);
  return { ref, base64, ...Object.fromEntries(known), ...defined({ createdAt: dateOf(createdAt)?.toISOString() }) } as T;
}

function fieldsProblem(raw: unknown, fields: Record<string, FieldType>, required: string[]): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'an entry must be an object';
  const record = raw as Record<string, unknown>;
  for (const name of required) {
    if (record[name] === undefined || record[name] === '') return `${name} is missing`;
  }
  for (const [name, value] of Object.entries(record)) {
    const type = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!type) return `unknown field ${name}; known fields are ${Object.keys(fields).join(', ')}`;
    if (value === undefined || value === null) continue;
    if (type === 'date' ? dateOf(value) === undefined : typeof value !== type) {
      return type === 'date' ? `${name} is not a date` : `${name} must be a ${type}`;
    }
  }
  return null;
}

/** ISO-8601 text or epoch milliseconds. */
function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
