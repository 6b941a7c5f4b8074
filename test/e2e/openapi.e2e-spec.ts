import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { CLIENT_TYPES_PATH, clientTypesText, DOCUMENT_PATH, documentText } from '../../scripts/openapi.mjs';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The committed OpenAPI document (what `npm run lint` lints) and the web app's client types
 * (what its code compiles against) are what the server serves: a change to a route or a DTO
 * without `npm run openapi` fails here, naming the file.
 */
let t: TestApp;
/** Enough of the document's shape for the checks below. */
interface Served {
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, { required?: string[] }> };
}
let served: Served;
beforeAll(async () => {
  t = await createTestApp();
  served = (await request(t.server).get('/docs-json').expect(200)).body;
});
afterAll(() => t.close());

const committed = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
const drifted = (path: string) => `${path} is not what the server serves: run \`npm run openapi\` and commit the result`;

it(`serves the document committed as ${DOCUMENT_PATH}`, async () => {
  const current = documentText(served as unknown as Parameters<typeof documentText>[0]);
  if (current !== (await committed(DOCUMENT_PATH))) throw new Error(drifted(DOCUMENT_PATH));
});

it(`generates the client types committed as ${CLIENT_TYPES_PATH}`, async () => {
  const current = await clientTypesText(served as unknown as Parameters<typeof clientTypesText>[0]);
  if (current !== (await committed(CLIENT_TYPES_PATH))) throw new Error(drifted(CLIENT_TYPES_PATH));
});

it('documents what the generated client needs: optional defaults, JSON errors on file routes, the headers routes send', () => {
  const paths = served.paths;
  const generate = paths['/api/v2/images/generate'].post;
  expect(generate.responses['201']).toMatchObject({ headers: { 'X-Request-Id': expect.anything(), 'X-RateLimit-Remaining': expect.anything() } });
  expect(generate.responses['429']).toMatchObject({ headers: { 'Retry-After': expect.anything(), 'X-RateLimit-Reset': expect.anything() } });
  expect(generate.responses['422']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/RefusedErrorResponseDto' } } } });
  const full = paths['/api/v2/images/{id}/full'].get;
  expect(Object.keys(full.responses['200'].content ?? {})).toEqual(['image/webp']);
  expect(Object.keys(full.responses['404'].content ?? {})).toEqual(['application/json']);
  expect(full.responses['200']).toMatchObject({ headers: { ETag: expect.anything() } });
  expect(served.components.schemas.GenerateImageDto.required ?? []).not.toContain('aspectRatio');
  expect(paths['/health/live'].get.security).toEqual([]); // public, said so
});
