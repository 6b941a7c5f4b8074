import { BadRequestException } from '@nestjs/common';
import { isJsonObject as isObject, type ScanResult } from './found-pictures.js';
import { isGameStorageKey } from './game-storage.js';
import { scanLocalStorage } from './local-storage-scanner.js';
import { type OldRouteBody, readOldRouteBody } from './old-route-body.js';
import { readStructuredBody, type StructuredBody } from './structured-body.js';

const ACCEPTED_FORMS =
  'send either { "images": [...], "scenes": [...] } or { "localStorage": { "<key>": "<value>", ... } }, ' +
  'the game\'s LocalStorage object itself ({ "nanoBananaImageLibrary": "...", "nanoBananaSceneCache": "...", ... }), ' +
  'or the old route\'s { "scene_cache": {...}, "item_images": {...} }';

export type ImportBody =
  | { kind: 'dump'; localStorage: Record<string, unknown> }
  | ({ kind: 'structured' } & StructuredBody)
  | ({ kind: 'old-route' } & OldRouteBody);

/**
 * Which of the accepted forms a migration body is; a 400 naming them otherwise. A body with
 * any of the game's LocalStorage keys at its top level (`nanoBanana*`, `aidnd_savegame`,
 * `gameState`, …) is that LocalStorage posted as it is; else its fields name the form. A plain
 * object checked here rather than a DTO: entries are checked one by one by the readers, so
 * that one bad entry fails alone.
 */
export function readImportBody(body: unknown): ImportBody {
  const fail = (problem: string) => new BadRequestException(`${problem}: ${ACCEPTED_FORMS}`);
  if (!isObject(body)) throw fail('The body must be a JSON object');
  if (Object.keys(body).some(isGameStorageKey)) return { kind: 'dump', localStorage: body };

  const { images, scenes, localStorage, scene_cache: sceneCache, item_images: itemImages, ...rest } = body;
  const unknownFields = Object.keys(rest);
  if (unknownFields.length > 0) throw fail(`Unknown field${unknownFields.length > 1 ? 's' : ''} ${unknownFields.join(', ')}`);
  const form = theOneFormSent(body, fail);

  if (form === 'localStorage') {
    if (!isObject(localStorage)) throw fail('localStorage must be an object');
    return { kind: 'dump', localStorage };
  }
  if (form === 'scene_cache/item_images') {
    for (const [name, value] of [['scene_cache', sceneCache], ['item_images', itemImages]] as const) {
      if (value !== undefined && !isObject(value)) throw fail(`${name} must be an object`);
    }
    return { kind: 'old-route', sceneCache: sceneCache as OldRouteBody['sceneCache'], itemImages: itemImages as OldRouteBody['itemImages'] };
  }
  for (const [name, value] of [['images', images], ['scenes', scenes]] as const) {
    if (value !== undefined && !Array.isArray(value)) throw fail(`${name} must be an array`);
  }
  return { kind: 'structured', images: images as unknown[] | undefined, scenes: scenes as unknown[] | undefined };
}

type FormName = 'images/scenes' | 'localStorage' | 'scene_cache/item_images';

/** Which form a body's fields name; exactly one must be sent. */
function theOneFormSent(body: Record<string, unknown>, fail: (problem: string) => Error): FormName {
  const sent = (...fields: string[]) => fields.some((field) => body[field] !== undefined);
  const forms = (
    [
      ['images/scenes', sent('images', 'scenes')],
      ['localStorage', sent('localStorage')],
      ['scene_cache/item_images', sent('scene_cache', 'item_images')],
    ] as const
  )
    .filter(([, wasSent]) => wasSent)
    .map(([name]) => name);
  if (forms.length === 0) throw fail('Neither form was sent');
  if (forms.length > 1) throw fail(`${forms.length === 2 ? 'Both' : 'All three'} forms were sent (${forms.join(', ')})`);
  return forms[0];
}

/** The pictures a body holds, read by its form's reader. */
export function findPictures(body: ImportBody): ScanResult {
  switch (body.kind) {
    case 'dump':
      return scanLocalStorage(body.localStorage);
    case 'structured':
      return readStructuredBody(body);
    case 'old-route':
      return readOldRouteBody(body);
  }
}
