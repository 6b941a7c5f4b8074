import { json } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * How deeply a JSON body may nest. Real bodies nest a few levels (a LocalStorage dump that
 * was already parsed, five or six); thousands of levels only serve to make JSON.parse,
 * validation and class-transformer recurse until the stack gives out.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** True when the JSON text nests objects and arrays deeper than `maxDepth`; one pass, no parsing. */
export function jsonNestsDeeperThan(text: Uint8Array, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/** body-parser's `verify` hook: a body nested too deeply is a 400 before it is parsed. */
function refuseDeepNesting(maxDepth: number) {
  return (_request: IncomingMessage, _response: ServerResponse, body: Buffer): void => {
    if (!jsonNestsDeeperThan(body, maxDepth)) return;
    // An http-errors-like error, so body-parser keeps its status and Nest maps it to a 400.
    throw Object.assign(new Error(`The JSON body nests deeper than ${maxDepth} levels; send a flatter body`), {
      status: 400,
      statusCode: 400,
      expose: true,
      type: 'entity.too.deep',
    });
  };
}

/**
 * Express's JSON parser with a size limit and a nesting limit, both checked before parsing.
 * `skip` leaves some requests to a parser of their own (the import route's larger one, which
 * runs only once the request is known to be an admin's).
 */
export function jsonBodyParser(options: { limit: number | string; maxDepth?: number; skip?: (request: Request) => boolean }): RequestHandler {
  const parse = json({ limit: options.limit, verify: refuseDeepNesting(options.maxDepth ?? MAX_JSON_DEPTH) });
  const { skip } = options;
  if (!skip) return parse;
  return (request: Request, response: Response, next: NextFunction) => (skip(request) ? next() : parse(request, response, next));
}
