import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import {
  ContentRefusedError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../src/common/errors.js';
import { SystemClock } from '../../src/common/clock.js';
import { GeminiImageProvider, type GeminiImageProviderOptions } from '../../src/generation/gemini-image.provider.js';
import { GeminiModelChain, NO_SHARED_RETIREMENTS } from '../../src/generation/gemini-model-chain.js';
import { FakeGeminiServer, geminiError } from '../support/fake-gemini-server.js';

const API_KEY = 'AIzaSyFAKE-test-key-0123456789';
const MODEL = 'gemini-2.5-flash-image';
const PROMPT = 'A red dragon sleeping on a hoard of gold, oil painting';
const chain = (...models: string[]) => new GeminiModelChain(models, new SystemClock(), NO_SHARED_RETIREMENTS);

describe('GeminiImageProvider against a fake Gemini server (real SDK)', () => {
  let server: FakeGeminiServer;
  let sleeps: number[];

  const provider = (overrides: Partial<GeminiImageProviderOptions> = {}) =>
    new GeminiImageProvider({
      apiKey: API_KEY,
      models: chain(MODEL),
      baseUrl: server.baseUrl,
      timeoutMs: 5_000,
      maxRetries: 3,
      retryBaseDelayMs: 1000,
      maxRetryDelayMs: 10_000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...overrides,
    });

  /** Runs generate() and returns what it threw (fails the test if it resolved). */
  const failure = async (subject: GeminiImageProvider, aspectRatio: '1:1' | '16:9' = '1:1') => {
    const outcome = await subject.generate({ prompt: PROMPT, imageSize: '1K', aspectRatio }).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (outcome === undefined) throw new Error('expected generate() to fail, it resolved');
    return outcome as Error;
  };

  beforeAll(async () => {
    server = await FakeGeminiServer.start();
  });

  beforeEach(() => {
    server.reset();
    sleeps = [];
  });

  afterAll(async () => {
    await server.close();
  });

  it('returns the PNG Gemini drew, sized for the aspect ratio, and sends model, key and image config', async () => {
    const image = await provider().generate({ prompt: PROMPT, imageSize: '1K', aspectRatio: '16:9' });

    expect(image).toMatchObject({ mimeType: 'image/png', source: 'gemini', model: MODEL });
    expect(Buffer.isBuffer(image.data)).toBe(true);
    const meta = await sharp(image.data).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 1344, height: 768 });

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request.model).toBe(MODEL);
    expect(request.apiKey).toBe(API_KEY);
    expect(request.body.contents?.[0]?.parts?.[0]?.text).toBe(PROMPT);
    expect(request.body.generationConfig?.responseModalities).toEqual(['IMAGE']);
    expect(request.body.generationConfig?.imageConfig).toEqual({ aspectRatio: '16:9' });
    // automaticContinuation is an SDK-side switch and must not leak into the request.
    expect(JSON.stringify(request.body)).not.toContain('automaticContinuation');
    expect(sleeps).toEqual([]);
  });

  it('returns a JPEG when the model answers JPEG (gemini-3.1-flash-image)', async () => {
    server.enqueue({ kind: 'image', mimeType: 'image/jpeg' });
    const subject = provider({ models: chain('gemini-3.1-flash-image') });

    const image = await subject.generate({ prompt: PROMPT, imageSize: '1K', aspectRatio: '1:1' });

    expect(subject.model).toBe('gemini-3.1-flash-image');
    expect(image).toMatchObject({ mimeType: 'image/jpeg', source: 'gemini', model: 'gemini-3.1-flash-image' });
    expect(await sharp(image.data).metadata()).toMatchObject({ format: 'jpeg', width: 1024, height: 1024 });
    expect(server.requests.map((request) => request.model)).toEqual(['gemini-3.1-flash-image']);
  });

  it('finds the image in a later part, after a text part', async () => {
    server.enqueue({ kind: 'image', withText: true, width: 320, height: 200 });

    const image = await provider().generate({ prompt: PROMPT, imageSize: '1K', aspectRatio: '1:1' });

    expect(image.mimeType).toBe('image/png');
    expect(await sharp(image.data).metadata()).toMatchObject({ format: 'png', width: 320, height: 200 });
  });

  it('maps finishReason IMAGE_SAFETY to ContentRefusedError, without retrying', async () => {
    server.enqueue({ kind: 'finish', finishReason: 'IMAGE_SAFETY', finishMessage: 'Unable to show the generated image.' });

    const error = await failure(provider());

    expect(error).toBeInstanceOf(ContentRefusedError);
    expect((error as ContentRefusedError).reason).toBe('IMAGE_SAFETY');
    expect(error.message).toContain('(IMAGE_SAFETY)');
    expect(error.message).toContain('Rephrase the prompt');
    expect(server.requests).toHaveLength(1);
  });

  it('maps finishReason NO_IMAGE to UpstreamBadResponseError', async () => {
    server.enqueue({ kind: 'finish', finishReason: 'NO_IMAGE' });

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error.message).toContain('Gemini answered without an image (NO_IMAGE');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a text-only answer to UpstreamBadResponseError quoting the text', async () => {
    server.enqueue({ kind: 'textOnly', text: 'I would rather describe this dragon in words.' });

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error.message).toContain('without an image (STOP, text only: "I would rather describe this dragon in words."');
    expect(server.requests).toHaveLength(1);
  });

  it('maps promptFeedback.blockReason to ContentRefusedError with the block message', async () => {
    server.enqueue({ kind: 'blocked', blockReason: 'PROHIBITED_CONTENT', blockReasonMessage: 'The prompt names a real person.' });

    const error = await failure(provider());

    expect(error).toBeInstanceOf(ContentRefusedError);
    expect((error as ContentRefusedError).reason).toBe('PROHIBITED_CONTENT');
    expect(error.message).toBe('Gemini refused the prompt (PROHIBITED_CONTENT): The prompt names a real person. Rephrase the prompt.');
    expect(server.requests).toHaveLength(1);
  });

  it('maps 400 API_KEY_INVALID to UpstreamUnavailableError naming GEMINI_API_KEY, never the key', async () => {
    server.enqueue(geminiError.apiKeyInvalid());

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('GEMINI_API_KEY was rejected by Gemini');
    expect(error.message).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('redacts the key when Gemini echoes it in a 403', async () => {
    server.enqueue(geminiError.permissionDenied(`Permission denied: Consumer 'api_key:${API_KEY}' has been suspended.`));

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('GEMINI_API_KEY was rejected by Gemini');
    expect(error.message).toContain("'api_key:[redacted]'");
    expect(error.message).not.toContain(API_KEY);
  });

  it('maps 404 to UpstreamUnavailableError naming the model and GEMINI_MODEL', async () => {
    server.enqueue(geminiError.modelNotFound('gemini-retired-image'));

    const error = await failure(provider({ models: chain('gemini-retired-image') }));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('model "gemini-retired-image" is not available (it may have been retired)');
    expect(error.message).toContain('set GEMINI_MODEL to a current image model such as gemini-3.1-flash-image');
    expect(server.requests).toHaveLength(1);
  });

  it('maps any other 400 to UpstreamBadResponseError with Gemini\'s message', async () => {
    server.enqueue(geminiError.invalidArgument('Aspect ratio 5:4 is not supported by this model.'));

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error.message).toContain('Gemini rejected the request (400 INVALID_ARGUMENT): Aspect ratio 5:4 is not supported by this model.');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 429 after exactly the RetryInfo delay, then succeeds', async () => {
    server.enqueue(geminiError.quota('2s'));

    const image = await provider().generate({ prompt: PROMPT, imageSize: '1K', aspectRatio: '1:1' });

    expect(image.mimeType).toBe('image/png');
    expect(sleeps).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on 429 after maxRetries, with retryAfterSeconds from RetryInfo', async () => {
    server.setDefault(geminiError.quota('1.5s'));

    const error = await failure(provider({ maxRetries: 2 }));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('Gemini quota exceeded');
    expect((error as UpstreamUnavailableError).retryAfterSeconds).toBe(2);
    expect(sleeps).toEqual([1500, 1500]);
    expect(server.requests).toHaveLength(3);
  });

  it('does not wait when the RetryInfo delay exceeds maxRetryDelayMs', async () => {
    server.enqueue(geminiError.quota('27s'));

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('try again in 27 s');
    expect((error as UpstreamUnavailableError).retryAfterSeconds).toBe(27);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries 503 with jittered exponential backoff, then gives up with UpstreamUnavailableError', async () => {
    server.setDefault(geminiError.unavailable());

    const error = await failure(provider({ maxRetries: 3, retryBaseDelayMs: 1000, maxRetryDelayMs: 3000 }));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('Gemini is unavailable (503 UNAVAILABLE)');
    expect((error as UpstreamUnavailableError).retryAfterSeconds).toBe(30);
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    // Steps 1000, 2000, 4000 capped at 3000; equal jitter keeps each in [step/2, step].
    const bounds = [
      [500, 1000],
      [1000, 2000],
      [1500, 3000],
    ];
    sleeps.forEach((ms, index) => {
      expect(ms).toBeGreaterThanOrEqual(bounds[index][0]);
      expect(ms).toBeLessThanOrEqual(bounds[index][1]);
    });
  });

  it('retries a 500 and returns the image of the next attempt', async () => {
    server.enqueue(geminiError.internal());

    const image = await provider().generate({ prompt: PROMPT, imageSize: '1K', aspectRatio: '1:1' });

    expect(image.mimeType).toBe('image/png');
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('maps a body that is not valid JSON to UpstreamBadResponseError, without retrying', async () => {
    server.enqueue({ kind: 'malformed' });

    const error = await failure(provider());

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error.message).toContain('not valid JSON');
    expect(server.requests).toHaveLength(1);
  });

  it('maps a reply slower than timeoutMs to UpstreamTimeoutError, without retrying', async () => {
    server.enqueue({ kind: 'image', delayMs: 3000 });
    const started = Date.now();

    const error = await failure(provider({ timeoutMs: 300 }));

    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error.message).toContain('Gemini did not answer within 300 ms');
    expect(error.message).toContain('GEMINI_TIMEOUT_MS');
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('maps connection refused to UpstreamUnavailableError', async () => {
    const port = await freePort();

    const error = await failure(provider({ baseUrl: `http://127.0.0.1:${port}` }));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.message).toContain('Gemini could not be reached (ECONNREFUSED)');
    expect(error.message).toContain('GEMINI_BASE_URL');
    expect(sleeps).toEqual([]);
  });
});

/** A port nothing listens on: bind one, then let it go. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
