import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type HeaderObject, type OpenAPIObject, type OperationObject, type ResponseObject, type SchemaObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_BEARER_SCHEME, ADMIN_HEADER_SCHEME } from '../auth/admin.guard.js';
import { REQUEST_ID_HEADER } from '../logging/request-logging.js';

/** Headers several routes send, described once (components.headers) and referenced. */
const SHARED_HEADERS: Record<string, HeaderObject> = {
  [REQUEST_ID_HEADER]: {
    description: 'The request’s id: the caller’s `X-Request-Id` when it is a plain token (at most 128 characters), else a new UUID. Every log line of the request carries it.',
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': { description: 'Requests allowed per window for this route’s limit', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until a request is free again', schema: { type: 'integer' } },
};

const TAGS: Array<[name: string, description: string]> = [
  ['v2 images', 'The native API (/api/v2): images'],
  ['v2 scenes', 'The native API: the scene cache'],
  ['v2 jobs', 'The native API: generation jobs, followed and cancelled'],
  ['v2 maintenance', 'The native API: cleanups, stats, backups and jobs (admin)'],
  ['v2 migration', 'The native API: importing the browser game’s LocalStorage (admin)'],
  ['v1 images', 'The old FastAPI backend’s contract (/api/v1), kept so its game and scripts work unchanged: images'],
  ['v1 scenes', 'The old contract: scenes by location, time of day and weather'],
  ['v1 maintenance', 'The old contract: cleanups and stats (admin)'],
  ['v1 migration', 'The old contract: the LocalStorage import (admin)'],
  ['operations', 'Health probes and metrics'],
];

/**
 * The OpenAPI document of both API versions, served at /docs-json and committed as
 * docs/openapi.json (the web app's client types are generated from it; `npm run lint` lints it).
 */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('D&D Image Service')
    .setDescription('Generates, stores and serves D&D artwork (Gemini, or a local provider); caches whole scenes. See README.md for the full guide.')
    .setVersion(version)
    .setLicense('UNLICENSED (private)', 'https://docs.npmjs.com/cli/configuring-npm/package-json#license')
    .addServer('/', 'Where this document is served from (a local install answers on http://localhost:8000)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ADMIN_API_KEY' }, ADMIN_BEARER_SCHEME)
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Admin-Key', description: 'ADMIN_API_KEY' }, ADMIN_HEADER_SCHEME);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: operationIdOf,
  });
  return withHouseConventions(document);
}

/**
 * Ids a generated client can use as function names, from the controller and its method:
 * `ImagesController.findOne` is `imagesFindOne`; the old contract's are prefixed,
 * `v1SeedImagesFindOne`. (Nest's default, `ImagesController_findOne_v2`, reads like a symbol.)
 */
function operationIdOf(controller: string, method: string, apiVersion?: string): string {
  const words = [...(apiVersion === '1' ? ['v1'] : []), controller.replace(/Controller$/, ''), method];
  return words.map((word, index) => (index === 0 ? word.charAt(0).toLowerCase() : word.charAt(0).toUpperCase()) + word.slice(1)).join('');
}

/**
 * What holds for every route, written into the document once instead of on each: a route
 * without an admin requirement is public (`security: []`, so a reader need not guess), every
 * answer carries X-Request-Id, and a rate-limited route (it documents a 429) sends its limit's
 * headers on success and on the 429.
 */
function withHouseConventions(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, headers: { ...document.components?.headers, ...SHARED_HEADERS } };
  for (const schema of Object.values(document.components.schemas ?? {}) as SchemaObject[]) unwrapLoneReferences(schema);
  for (const operation of operationsOf(document)) {
    operation.security ??= [];
    const rateLimited = '429' in operation.responses;
    for (const [status, response] of Object.entries(operation.responses) as Array<[string, ResponseObject]>) {
      const names = [REQUEST_ID_HEADER, ...(rateLimited && (status.startsWith('2') || status === '429') ? ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] : [])];
      response.headers = { ...Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }])), ...response.headers };
    }
  }
  return document;
}

/**
 * Nest wraps a property naming an enum schema in `allOf: [{ $ref }]`, room for a description
 * beside it; with nothing beside it, the plain reference says the same (Redocly asks for it).
 */
function unwrapLoneReferences(schema: SchemaObject): void {
  for (const [name, property] of Object.entries(schema.properties ?? {}) as Array<[string, SchemaObject]>) {
    const [only, ...others] = property.allOf ?? [];
    if (only && others.length === 0 && Object.keys(property).length === 1) schema.properties![name] = only;
  }
}

function operationsOf(document: OpenAPIObject): OperationObject[] {
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
  return Object.values(document.paths).flatMap((path) => methods.map((method) => path[method]).filter((operation): operation is OperationObject => operation !== undefined));
}
