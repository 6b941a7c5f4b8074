import { BadRequestException } from '@nestjs/common';

const ACCEPTED_FORMS = 'send either { "images": [...], "scenes": [...] } or { "localStorage": { "<key>": "<value>", ... } }';

export type ImportBody = { kind: 'dump'; localStorage: Record<string, unknown> } | { kind: 'structured'; images?: unknown[]; scenes?: unknown[] };

/**
 * Which of the accepted forms a migration body is; a 400 naming both forms otherwise. A plain
 * object checked here rather than a DTO: entries are checked one by one by the service, so
 * that one bad entry fails alone.
 */
export function readImportBody(body: unknown): ImportBody {
  const fail = (problem: string) => new BadRequestException(`${problem}: ${ACCEPTED_FORMS}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('The body must be a JSON object');
  const { images, scenes, localStorage, ...rest } = body as Record<string, unknown>;
  const unknownFields = Object.keys(rest);
  if (unknownFields.length > 0) throw fail(`Unknown field${unknownFields.length > 1 ? 's' : ''} ${unknownFields.join(', ')}`);
  const structured = images !== undefined || scenes !== undefined;
  if (structured === (localStorage !== undefined)) throw fail(structured ? 'Both forms were sent' : 'Neither form was sent');
  if (localStorage !== undefined) {
    if (typeof localStorage !== 'object' || localStorage === null || Array.isArray(localStorage)) throw fail('localStorage must be an object');
    return { kind: 'dump', localStorage: localStorage as Record<string, unknown> };
  }
  for (const [name, value] of [['images', images], ['scenes', scenes]] as const) {
    if (value !== undefined && !Array.isArray(value)) throw fail(`${name} must be an array`);
  }
  return { kind: 'structured', images: images as unknown[] | undefined, scenes: scenes as unknown[] | undefined };
}
