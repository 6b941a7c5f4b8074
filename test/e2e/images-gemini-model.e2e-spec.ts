import request from 'supertest';
import type { FakeGeminiServer } from '../support/fake-gemini-server.js';
import { createGeminiTestApp } from '../support/gemini-app.js';
import type { TestApp } from '../support/test-app.js';

// gemini-2.5-flash-image has a published shutdown date: GEMINI_MODEL must move the service
// to a successor, which answers JPEG rather than PNG.
let t: TestApp;
let gemini: FakeGeminiServer;

beforeAll(async () => {
  ({ t, gemini } = await createGeminiTestApp({ GEMINI_MODEL: 'gemini-3.1-flash-image' }));
  gemini.setDefault({ kind: 'image', mimeType: 'image/jpeg' });
});
afterAll(async () => {
  await t.close();
  await gemini.close();
});

it('calls the configured model and records it on the image', async () => {
  const response = await request(t.server).post('/api/v2/images/generate').send({ prompt: 'a storm giant' }).expect(201);
  expect(response.body).toMatchObject({ source: 'gemini', model: 'gemini-3.1-flash-image', width: 1024, height: 1024 });
  expect(gemini.requests.map((sent) => sent.model)).toEqual(['gemini-3.1-flash-image']);
});

it('finishes an in-flight generation on shutdown, then closes the database', async () => {
  const callsBefore = gemini.requests.length;
  let modelDone!: () => void;
  gemini.enqueue({ kind: 'image', mimeType: 'image/jpeg', until: new Promise<void>((resolve) => (modelDone = resolve)) });
  const inFlight = request(t.server).post('/api/v2/images/generate').send({ prompt: 'the last request' }).then((response) => response);
  await gemini.waitForRequests(callsBefore + 1); // the provider call is under way

  const closing = t.app.close();
  modelDone();
  await closing;
  expect((await inFlight).status).toBe(201);
  expect(t.dataSource.isInitialized).toBe(false);
});
