/**
 * This service's structured import form, `{ images: [...], scenes: [...] }`, entry by entry: a
 * malformed entry fails alone. Pure.
 */
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { dateOf, ImportImageEntryDto, ImportSceneEntryDto } from './dto/import-entries.dto.js';
import { defined, emptyScan, type FoundImage, type FoundScene, pictureAt, type ScanResult } from './found-pictures.js';

export interface StructuredBody {
  images?: unknown[];
  scenes?: unknown[];
}

/** Each entry is checked against the DTO that documents it, alone; what it may hold beyond is refused. */
const ENTRY_VALIDATION = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true } as const;

export function readStructuredBody(body: StructuredBody): ScanResult {
  const result = emptyScan();
  (body.images ?? []).forEach((raw, index) => {
    const entry = readEntry<FoundImage>(result, `images[${index}]`, raw, ImportImageEntryDto);
    if (entry) result.images.push(entry);
  });
  (body.scenes ?? []).forEach((raw, index) => {
    const entry = readEntry<FoundScene>(result, `scenes[${index}]`, raw, ImportSceneEntryDto);
    if (entry) result.scenes.push(entry);
  });
  return result;
}

/**
 * The entry's fields (checked against its DTO) with `dataUrl` checked into `base64` and
 * `createdAt` as ISO 8601; undefined once its failure is recorded.
 */
function readEntry<T extends FoundImage | FoundScene>(result: ScanResult, ref: string, raw: unknown, dto: new () => object): T | undefined {
  const problem = entryProblem(raw, dto);
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

function entryProblem(raw: unknown, dto: new () => object): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'an entry must be an object';
  const [failure] = validateSync(plainToInstance(dto, raw), ENTRY_VALIDATION);
  if (!failure) return null;
  if (failure.constraints?.whitelistValidation) {
    return `unknown field ${failure.property}; known fields are ${knownFields(dto)}`;
  }
  return Object.values(failure.constraints ?? {})[0] ?? `${failure.property} is not valid`;
}

/** The DTO's documented fields, in their order. */
function knownFields(dto: new () => object): string {
  return getMetadataStorage()
    .getTargetValidationMetadatas(dto, '', true, false)
    .map((metadata) => metadata.propertyName)
    .filter((name, index, names) => names.indexOf(name) === index)
    .join(', ');
}
