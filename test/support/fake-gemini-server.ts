import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { DEFAULT_IMAGE_SIZE, IMAGE_SIZE_SCALE, type ImageSize } from '../../src/generation/gemini-models.js';
import { ASPECT_RATIO_SIZES, DEFAULT_ASPECT_RATIO, type AspectRatio, outputSize } from '../../src/generation/image-provider.js';

/**
 * A real HTTP server speaking the Gemini API's wire format for
 * `POST /v1beta/models/{model}:generateContent`, so tests (and e2e runs, and benchmarks)
 * drive the real @google/genai SDK end to end. No jest imports: usable anywhere.
 */

interface Slow {
  /** Wait this long before answering (a slow model, or a hung one for timeout tests). */
  delayMs?: number;
  /** Answer only once this settles: a test decides when the model is done, no clock involved. */
  until?: Promise<void>;
}

export type FakeGeminiBehaviour = Slow &
  (
    | {
        kind: 'image';
        mimeType?: 'image/png' | 'image/jpeg';
        /** Defaults to the size ASPECT_RATIO_SIZES gives for the requested aspect ratio. */
        width?: number;
        height?: number;
        /** Put a text part before the image, as the models often do. */
        withText?: boolean;
      }
    | { kind: 'blocked'; blockReason: string; blockReasonMessage?: string }
    | { kind: 'finish'; finishReason: string; finishMessage?: string; text?: string }
    | { kind: 'textOnly'; text?: string }
    | { kind: 'error'; code: number; status: string; message?: string; details?: unknown[] }
    | { kind: 'malformed' }
  );

/** The request body as the SDK sends it (camelCase JSON). */
export interface GeminiRequestBody {
  contents?: Array<{ role?: string; parts?: Array<{ text?: string; inlineData?: { mimeType?: string; data?: string } }> }>;
  generationConfig?: {
    responseModalities?: string[];
    imageConfig?: { aspectRatio?: string; imageSize?: string };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One call as the fake saw it: how much came in, and how long the fake held it (last byte in → answer sent). */
export interface FakeExchange {
  requestBytes: number;
  heldMs: number;
}

export interface RecordedRequest {
  model: string;
  /** The x-goog-api-key header. */
  apiKey: string | undefined;
  body: GeminiRequestBody;
  /** The pictures sent with the prompt (inline parts), in order, decoded. */
  inputs: Array<{ mimeType: string; data: Buffer }>;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
}

/** Error bodies as Gemini sends them. */
export const geminiError = {
  apiKeyInvalid: (): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 400,
    status: 'INVALID_ARGUMENT',
    message: 'API key not valid. Please pass a valid API key.',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
    ],
  }),
  permissionDenied: (message = 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.'): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 403,
    status: 'PERMISSION_DENIED',
    message,
  }),
  invalidArgument: (message = 'Request contains an invalid argument.'): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 400,
    status: 'INVALID_ARGUMENT',
    message,
  }),
  modelNotFound: (model: string): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 404,
    status: 'NOT_FOUND',
    message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
  }),
  /** 429 RESOURCE_EXHAUSTED; with a RetryInfo detail unless retryDelay is null. */
  quota: (retryDelay: string | null = '2s'): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaValue: '10',
          },
        ],
      },
      ...(retryDelay === null ? [] : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }]),
    ],
  }),
  unavailable: (): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 503,
    status: 'UNAVAILABLE',
    message: 'The model is overloaded. Please try again later.',
  }),
  internal: (): FakeGeminiBehaviour => ({
    kind: 'error',
    code: 500,
    status: 'INTERNAL',
    message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  }),
};

const DEFAULT_BEHAVIOUR: FakeGeminiBehaviour = { kind: 'image' };
/** What the image models take as input pictures, and how many (Gemini's published limits). */
const INPUT_MIME_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);
const MAX_INPUT_IMAGES = 14;
const ROUTE = /^\/v1beta\/models\/([^/:]+):generateContent$/;

export class FakeGeminiServer {
  readonly requests: RecordedRequest[] = [];
  /** Calls being answered right now, and the most there were at once (since reset). */
  inFlight = 0;
  maxInFlight = 0;
  private readonly queue: FakeGeminiBehaviour[] = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly exchangeListeners: Array<(exchange: FakeExchange) => void> = [];
  /** Models answered with Gemini's "not found", whatever is queued: retired ones. */
  private readonly retired = new Set<string>();
  private defaultBehaviour: FakeGeminiBehaviour = DEFAULT_BEHAVIOUR;
  /** Delayed replies not sent yet, so reset() and close() can drop them. */
  private readonly pending = new Set<{ timer: NodeJS.Timeout; res: ServerResponse }>();
  /** Encoded pictures by mime type and size: encoding is the slow part, answers repeat. */
  private readonly images = new Map<string, Promise<Buffer>>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeGeminiServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeGeminiServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      fake.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 500, message: `fake server: ${String(error)}`, status: 'INTERNAL' } });
        else res.destroy();
      });
    });
    return fake;
  }

  /** Queue behaviours for the next calls, in order; when the queue is empty the default behaviour answers. */
  enqueue(...behaviours: FakeGeminiBehaviour[]): void {
    this.queue.push(...behaviours);
  }

  /** Tells `listener` of every call once answered: what a benchmark subtracts as the provider's time. */
  onExchange(listener: (exchange: FakeExchange) => void): void {
    this.exchangeListeners.push(listener);
  }

  /** Resolves once `count` requests have arrived (at once if they have). */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Plays Google shutting a model down: every call to it answers 404 NOT_FOUND from now on. */
  retire(model: string): void {
    this.retired.add(model);
  }

  setDefault(behaviour: FakeGeminiBehaviour): void {
    this.defaultBehaviour = behaviour;
  }

  /** Clears the queue, the recorded requests and pending slow replies; restores the default. */
  reset(): void {
    this.queue.length = 0;
    this.requests.length = 0;
    this.maxInFlight = this.inFlight;
    this.retired.clear();
    this.defaultBehaviour = DEFAULT_BEHAVIOUR;
    this.dropPending();
  }

  /** Stops listening and destroys open sockets, so slow replies cannot keep the process alive. */
  async close(): Promise<void> {
    this.dropPending();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private dropPending(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.res.destroy();
    }
    this.pending.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const lastByteAt = performance.now();
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => this.inFlight--);
    res.once('finish', () => {
      const exchange = { requestBytes: Buffer.byteLength(rawBody), heldMs: performance.now() - lastByteAt };
      for (const listener of this.exchangeListeners) listener(exchange);
    });
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const match = req.method === 'POST' ? ROUTE.exec(path) : null;
    if (!match) {
      sendJson(res, 404, { error: { code: 404, message: `fake Gemini: no route for ${req.method} ${path}`, status: 'NOT_FOUND' } });
      return;
    }

    let body: GeminiRequestBody;
    try {
      body = JSON.parse(rawBody) as GeminiRequestBody;
    } catch {
      sendJson(res, 400, { error: { code: 400, message: 'Invalid JSON payload received.', status: 'INVALID_ARGUMENT' } });
      return;
    }
    const model = decodeURIComponent(match[1]);
    const apiKey = req.headers['x-goog-api-key'];
    const parts = checkParts(body);
    this.requests.push({
      model,
      apiKey: Array.isArray(apiKey) ? apiKey[0] : apiKey,
      body,
      inputs: typeof parts === 'string' ? [] : parts,
      headers: req.headers,
      receivedAt: new Date(),
    });
    for (const waiter of this.waiters.filter(({ count }) => this.requests.length >= count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    if (typeof parts === 'string') {
      sendJson(res, 400, { error: { code: 400, message: parts, status: 'INVALID_ARGUMENT' } });
      return;
    }

    const behaviour = this.retired.has(model) ? geminiError.modelNotFound(model) : (this.queue.shift() ?? this.defaultBehaviour);
    // Build the answer first (sharp may take a moment), then hold it for delayMs.
    const answer = await this.answer(behaviour, model, body);
    if (behaviour.until) await behaviour.until;
    if (!behaviour.delayMs) {
      answer(res);
      return;
    }
    const entry = {
      res,
      timer: setTimeout(() => {
        this.pending.delete(entry);
        if (!res.destroyed) answer(res);
      }, behaviour.delayMs),
    };
    this.pending.add(entry);
    // The client gave up (its timeout): nothing left to answer.
    res.on('close', () => {
      if (this.pending.delete(entry)) clearTimeout(entry.timer);
    });
  }

  private async answer(behaviour: FakeGeminiBehaviour, model: string, body: GeminiRequestBody): Promise<(res: ServerResponse) => void> {
    const modelVersion = model;
    const usageMetadata = { promptTokenCount: 12, totalTokenCount: 12 };
    switch (behaviour.kind) {
      case 'image': {
        const size = sizeFor(body.generationConfig?.imageConfig);
        const mimeType = behaviour.mimeType ?? 'image/png';
        const data = await this.picture(mimeType, behaviour.width ?? size.width, behaviour.height ?? size.height);
        const parts = [
          ...(behaviour.withText ? [{ text: 'Here is the picture you asked for.' }] : []),
          { inlineData: { mimeType, data: data.toString('base64') } },
        ];
        const payload = {
          candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
          usageMetadata: { ...usageMetadata, candidatesTokenCount: 1290, totalTokenCount: 1302 },
          modelVersion,
          responseId: 'fake-response',
        };
        return (res) => sendJson(res, 200, payload);
      }
      case 'blocked': {
        const promptFeedback = {
          blockReason: behaviour.blockReason,
          ...(behaviour.blockReasonMessage ? { blockReasonMessage: behaviour.blockReasonMessage } : {}),
        };
        return (res) => sendJson(res, 200, { promptFeedback, usageMetadata, modelVersion });
      }
      case 'finish': {
        const candidate = {
          ...(behaviour.text ? { content: { role: 'model', parts: [{ text: behaviour.text }] } } : {}),
          finishReason: behaviour.finishReason,
          ...(behaviour.finishMessage ? { finishMessage: behaviour.finishMessage } : {}),
          index: 0,
        };
        return (res) => sendJson(res, 200, { candidates: [candidate], usageMetadata, modelVersion });
      }
      case 'textOnly': {
        const text = behaviour.text ?? 'I can describe that scene, but here it is in words only.';
        const candidate = { content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 };
        return (res) => sendJson(res, 200, { candidates: [candidate], usageMetadata, modelVersion });
      }
      case 'error': {
        const { code, status, message = `fake ${status}`, details } = behaviour;
        return (res) => sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } });
      }
      case 'malformed':
        return (res) => {
          res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
          res.end('{"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "image/pn');
        };
    }
  }

  private picture(mimeType: 'image/png' | 'image/jpeg', width: number, height: number): Promise<Buffer> {
    const key = `${mimeType}:${width}x${height}`;
    let image = this.images.get(key);
    if (!image) {
      image = drawPicture(mimeType, width, height);
      this.images.set(key, image);
      image.catch(() => this.images.delete(key));
    }
    return image;
  }
}

function sizeFor(imageConfig: { aspectRatio?: string; imageSize?: string } = {}): { width: number; height: number } {
  const { aspectRatio, imageSize } = imageConfig;
  const ratio = (aspectRatio && aspectRatio in ASPECT_RATIO_SIZES ? aspectRatio : DEFAULT_ASPECT_RATIO) as AspectRatio;
  const size = (imageSize && imageSize in IMAGE_SIZE_SCALE ? imageSize : DEFAULT_IMAGE_SIZE) as ImageSize;
  return outputSize(ratio, size);
}

/**
 * Checks the parts as Gemini does: one user turn, text first, then pictures of the types the
 * models read (at most 14), each valid base64. The decoded pictures, or what Gemini would say.
 */
function checkParts(body: GeminiRequestBody): Array<{ mimeType: string; data: Buffer }> | string {
  const contents = body.contents ?? [];
  if (contents.length !== 1) return `Expected one content turn, got ${contents.length}.`;
  const [first, ...rest] = contents[0].parts ?? [];
  if (typeof first?.text !== 'string' || first.text === '') return 'The first part must be the text prompt.';
  if (rest.length > MAX_INPUT_IMAGES) return `Too many images: at most ${MAX_INPUT_IMAGES} input images are supported, got ${rest.length}.`;
  const inputs: Array<{ mimeType: string; data: Buffer }> = [];
  for (const [index, part] of rest.entries()) {
    const { mimeType = '', data = '' } = part.inlineData ?? {};
    if (!INPUT_MIME_TYPES.has(mimeType)) return `Unsupported MIME type for part ${index + 1}: "${mimeType}".`;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return `Invalid base64 data in part ${index + 1}.`;
    inputs.push({ mimeType, data: Buffer.from(data, 'base64') });
  }
  return inputs;
}

/** A real, decodable picture: a diagonal colour gradient with a checker pattern. */
async function drawPicture(mimeType: 'image/png' | 'image/jpeg', width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      const checker = ((x >> 6) + (y >> 6)) % 2 === 0 ? 0 : 40;
      pixels[offset] = Math.round((x / width) * 215) + checker;
      pixels[offset + 1] = Math.round((y / height) * 215) + checker;
      pixels[offset + 2] = 120 + (checker >> 1);
    }
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return mimeType === 'image/png' ? image.png({ compressionLevel: 1 }).toBuffer() : image.jpeg({ quality: 80 }).toBuffer();
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(payload));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
