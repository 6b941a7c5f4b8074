import { setTimeout as delay } from 'node:timers/promises';
import { GoogleGenAI, Modality, type GenerateContentResponse } from '@google/genai';
import {
  ContentRefusedError,
  DomainError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  ProviderQuotaError,
  UpstreamUnavailableError,
} from '../common/errors.js';
import type { GeminiModelChain } from './gemini-model-chain.js';
import { capabilitiesOf, type ModelCapabilities, sharedCapabilities } from './gemini-models.js';
import { type GeminiUsage, UNRECORDED_USAGE } from './gemini-usage.js';
import { ModelRetiredError, outcomeOf } from './generation-outcome.js';
import type { ImageProvider, ImageRequest, ProvidedImage } from './image-provider.js';

/** Pinned, so an SDK upgrade cannot silently move us to another API surface. */
export const GEMINI_API_VERSION = 'v1beta';

export interface GeminiImageProviderOptions {
  apiKey: string;
  /** GEMINI_MODEL: the models in order of preference, and which were found retired. */
  models: GeminiModelChain;
  /** Calls and images per model, for /metrics. */
  usage?: GeminiUsage;
  /** Another endpoint than Google's (a proxy, or the fake server in tests). */
  baseUrl?: string;
  /** Per attempt: the SDK arms a fresh abort timer for each HTTP request. */
  timeoutMs: number;
  /** Retries after the first call, for 429 and 5xx only. Default 3. */
  maxRetries?: number;
  /** First backoff step; doubles per attempt, jittered. Default 1000. */
  retryBaseDelayMs?: number;
  /** No single wait is longer; a longer RetryInfo delay fails at once instead. Default 10 000. */
  maxRetryDelayMs?: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

/** Finish reasons that mean "the model would not draw this", as opposed to "it failed". */
const REFUSAL_FINISH_REASONS = new Set([
  'SAFETY',
  'IMAGE_SAFETY',
  'PROHIBITED_CONTENT',
  'IMAGE_PROHIBITED_CONTENT',
  'BLOCKLIST',
  'SPII',
  'RECITATION',
  'IMAGE_RECITATION',
]);
const IMAGE_MIME_TYPES = new Set(['image/png', 'image/jpeg']);
/** Statuses worth another try: quota (429) and Google-side trouble (5xx). */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
/** Retry-After we suggest when Gemini gives no RetryInfo. */
const QUOTA_RETRY_AFTER_SECONDS = 60;
const OUTAGE_RETRY_AFTER_SECONDS = 30;
const SUGGESTED_MODEL = 'gemini-3.1-flash-image';
const LOOKS_RETIRED = /is not found|not supported for generateContent|has been (retired|shut ?down|deprecated)/i;

/**
 * Draws pictures with Gemini's image models through @google/genai. Plain class (the
 * generation module constructs it) that owns the retry policy and turns every SDK or
 * HTTP failure into one of the domain errors, so callers never see SDK types.
 */
export class GeminiImageProvider implements ImageProvider {
  readonly source = 'gemini' as const;

  private readonly models: GeminiModelChain;
  private readonly usage: GeminiUsage;
  private readonly ai: GoogleGenAI;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: GeminiImageProviderOptions) {
    this.models = options.models;
    this.usage = options.usage ?? UNRECORDED_USAGE;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs;
    this.maxRetries = options.maxRetries ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.ai = new GoogleGenAI({
      apiKey: options.apiKey,
      httpOptions: {
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        apiVersion: GEMINI_API_VERSION,
        timeout: options.timeoutMs,
        // No `retryOptions`: the SDK (2.x) only retries when they are set, so the policy
        // below is the only one and every attempt is visible to it.
        //
        // An explicit fetch, because without one the SDK wraps undici's global dispatcher,
        // which it looks up on `globalThis`; inside a VM context (jest's ESM sandbox) it
        // is not there and every call fails with "Undici globalDispatcher is not
        // available". The cost is undici's own 300 s header/body limits, which only
        // matter for a GEMINI_TIMEOUT_MS above that (they map to UpstreamTimeoutError).
        fetch: (input, init) => fetch(input, init),
      },
    });
  }

  /** The model a request is sent to now (the last of the chain once all are retired, for its error). */
  get model(): string {
    return this.models.current ?? this.models.models[this.models.models.length - 1];
  }

  /** What every model still in the chain takes, so falling back never meets a request it cannot serve. */
  capabilities(): ModelCapabilities {
    const available = this.models.available;
    return available.length > 0 ? sharedCapabilities(available) : capabilitiesOf(this.model);
  }

  /** Asks the preferred model; one that answers "not found" is retired and the next one asked. */
  async generate(request: ImageRequest): Promise<ProvidedImage> {
    let retiredNow: ModelRetiredError | undefined;
    for (;;) {
      const model = this.models.current;
      if (!model) {
        if (retiredNow && this.models.models.length === 1) throw retiredNow;
        throw new UpstreamUnavailableError(
          `Every model in GEMINI_MODEL (${this.models.models.join(', ')}) answered "not found" (retired); set GEMINI_MODEL to a current image model such as ${SUGGESTED_MODEL}.`,
        );
      }
      try {
        return await this.generateWith(model, request);
      } catch (error) {
        if (!(error instanceof ModelRetiredError)) throw error;
        retiredNow = error;
        this.models.retire(model);
      }
    }
  }

  private async generateWith(model: string, request: ImageRequest): Promise<ProvidedImage> {
    const sizes = capabilitiesOf(model).imageSizes;
    const parts = [
      { text: request.prompt },
      ...(request.inputs ?? []).map((input) => ({ inlineData: { mimeType: input.mimeType, data: input.data.toString('base64') } })),
    ];
    for (let attempt = 0; ; attempt++) {
      let response: GenerateContentResponse;
      try {
        response = await this.ai.models.generateContent({
          model,
          contents: [{ role: 'user', parts }],
          config: {
            responseModalities: [Modality.IMAGE],
            // A model with one size takes no imageSize at all.
            imageConfig: { aspectRatio: request.aspectRatio, ...(sizes.length > 1 ? { imageSize: request.imageSize } : {}) },
            // One HTTP request per attempt: never let the SDK chain follow-up requests.
            automaticContinuation: false,
          },
        });
      } catch (error) {
        const failure = redact(toDomainError(error, model, this.timeoutMs), this.apiKey);
        this.usage.called(model, outcomeOf(failure));
        const waitMs = this.retryDelayMs(error, attempt);
        if (waitMs === undefined) throw failure;
        await this.sleep(waitMs);
        continue;
      }
      // A refusal or an answer without a picture is not retried: the same prompt would
      // most likely get the same answer, and every call is billed.
      try {
        const image = { ...extractImage(response), source: this.source, model };
        this.usage.called(model, 'success');
        this.usage.drew(model, request.imageSize);
        return image;
      } catch (error) {
        this.usage.called(model, outcomeOf(error));
        throw error;
      }
    }
  }

  /** How long to wait before the next attempt, or undefined to give up now. */
  private retryDelayMs(error: unknown, attempt: number): number | undefined {
    const failure = asApiFailure(error);
    if (!failure || !RETRYABLE_STATUSES.has(failure.status) || attempt >= this.maxRetries) return undefined;
    const hinted = retryInfoDelayMs(failure.details);
    if (hinted !== undefined) return hinted <= this.maxRetryDelayMs ? hinted : undefined;
    // Exponential backoff with "equal jitter": between half and all of the step, capped.
    const step = Math.min(this.maxRetryDelayMs, this.retryBaseDelayMs * 2 ** attempt);
    return Math.round(step / 2 + Math.random() * (step / 2));
  }
}

/**
 * The picture in a generateContent answer: the first PNG or JPEG inline part of the first
 * candidate, wherever it sits (models often put a text part before it). Throws
 * ContentRefusedError or UpstreamBadResponseError when there is none.
 */
export function extractImage(response: GenerateContentResponse): { data: Buffer; mimeType: string } {
  throwIfPromptBlocked(response?.promptFeedback);
  const candidate = Array.isArray(response?.candidates) ? response.candidates[0] : undefined;
  if (!candidate) {
    throw new UpstreamBadResponseError('Gemini answered without an image (no candidates); try again later.');
  }
  throwIfRefused(candidate);
  const parts = Array.isArray(candidate.content?.parts) ? candidate.content.parts : [];
  const image = firstImagePart(parts);
  if (image) return image;

  const text = parts
    .map((part) => (typeof part?.text === 'string' ? part.text : ''))
    .join(' ')
    .trim();
  const what = [candidate.finishReason ?? 'no finish reason', text ? `text only: "${truncate(text, 200)}"` : 'no image part'].join(', ');
  throw new UpstreamBadResponseError(
    `Gemini answered without an image (${what}); try again, or rephrase the prompt to describe a picture.`,
  );
}

type Candidate = NonNullable<GenerateContentResponse['candidates']>[number];
type Part = NonNullable<NonNullable<Candidate['content']>['parts']>[number];

function throwIfPromptBlocked(feedback: GenerateContentResponse['promptFeedback']): void {
  if (!feedback?.blockReason) return;
  const detail = feedback.blockReasonMessage ? `: ${withoutFinalStop(feedback.blockReasonMessage)}` : '';
  throw new ContentRefusedError(`Gemini refused the prompt (${feedback.blockReason})${detail}. Rephrase the prompt.`, feedback.blockReason);
}

function throwIfRefused(candidate: Candidate): void {
  const reason = candidate.finishReason;
  if (!reason || !REFUSAL_FINISH_REASONS.has(reason)) return;
  // SDK 2.32 drops finishMessage from Gemini API answers; kept for when it maps it.
  const detail = candidate.finishMessage ? `: ${withoutFinalStop(candidate.finishMessage)}` : '';
  throw new ContentRefusedError(`Gemini refused to draw this (${reason})${detail}. Rephrase the prompt.`, reason);
}

/** The first PNG or JPEG inline part with data, wherever it sits. */
function firstImagePart(parts: Part[]): { data: Buffer; mimeType: string } | undefined {
  for (const part of parts) {
    const inline = part?.inlineData;
    const mimeType = inline?.mimeType?.toLowerCase().split(';')[0].trim();
    if (!mimeType || !IMAGE_MIME_TYPES.has(mimeType) || typeof inline?.data !== 'string') continue;
    const data = Buffer.from(inline.data, 'base64');
    if (data.length > 0) return { data, mimeType };
  }
  return undefined;
}

/**
 * Maps whatever generateContent threw to a domain error. What the SDK (2.32) throws, as
 * seen in its source and against the fake server:
 * - an HTTP status >= 400: `ApiError` with `status` and the error body JSON-stringified
 *   into `message` (a non-JSON body is wrapped as `{error:{message:<text>}}`);
 * - its abort timer (`httpOptions.timeout`) firing: a DOMException named `AbortError`;
 * - a body that is not JSON (a 200, or an error status claiming JSON): a `SyntaxError`
 *   from `response.json()`, with the status lost;
 * - connection refused, reset, DNS: undici's `TypeError('fetch failed')` with a `cause`.
 * Built-in errors are recognised by name, not `instanceof`: they come from Node's realm,
 * which is not jest's.
 */
export function toDomainError(thrown: unknown, model: string, timeoutMs: number): DomainError {
  if (thrown instanceof DomainError) return thrown;
  const error = unwrapSdkWrapper(thrown);
  const name = errorName(error);
  const code = causeCode(error);
  if (name === 'AbortError' || name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamTimeoutError(
      `Gemini did not answer within ${timeoutMs} ms; try again, or raise GEMINI_TIMEOUT_MS if this keeps happening.`,
    );
  }

  const failure = asApiFailure(error);
  if (failure) return fromApiFailure(failure, model);

  const message = errorMessage(error);
  if (name === 'SyntaxError') {
    return new UpstreamBadResponseError(`Gemini answered with a body that is not valid JSON (${message}); try again later.`);
  }
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (name === 'TypeError' && cause !== undefined) {
    return new UpstreamUnavailableError(
      `Gemini could not be reached (${code ?? errorMessage(cause)}); check the network, or GEMINI_BASE_URL if it is set.`,
      OUTAGE_RETRY_AFTER_SECONDS,
    );
  }
  // Anything else happened while reading the answer (the SDK choking on its shape).
  return new UpstreamBadResponseError(`Gemini's answer could not be read (${message}); try again later.`);
}

/** An HTTP error from Gemini, decoded from the SDK's ApiError. */
interface ApiFailure {
  status: number;
  /** Google's status name (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, ...) or the HTTP reason. */
  statusName?: string;
  message: string;
  details: unknown[];
}

function fromApiFailure(failure: ApiFailure, model: string): DomainError {
  const { status } = failure;
  const said = `Gemini said: ${truncate(withoutFinalStop(failure.message), 300)}`;
  if (status === 401 || status === 403 || isApiKeyProblem(failure)) {
    return new UpstreamUnavailableError(
      `GEMINI_API_KEY was rejected by Gemini: check the key (https://aistudio.google.com/apikey) and that its project may use the Gemini API (${said}).`,
    );
  }
  if (status === 404 && LOOKS_RETIRED.test(failure.message)) {
    return new ModelRetiredError(
      `Gemini model "${model}" is not available (it may have been retired); set GEMINI_MODEL to a current image model such as ${SUGGESTED_MODEL}.`,
    );
  }
  if (status === 404) {
    return new UpstreamUnavailableError(`Gemini answered 404 for model "${model}" (${said}); check GEMINI_BASE_URL if it is set, and GEMINI_MODEL.`);
  }
  if (status === 429) {
    const hintedMs = retryInfoDelayMs(failure.details);
    const after = hintedMs !== undefined ? Math.max(1, Math.ceil(hintedMs / 1000)) : QUOTA_RETRY_AFTER_SECONDS;
    return new ProviderQuotaError(
      `Gemini quota exceeded for this GEMINI_API_KEY; try again in ${after} s, or check the plan and rate limits at https://ai.google.dev/gemini-api/docs/rate-limits (${said}).`,
      after,
    );
  }
  const label = [status, failure.statusName].filter(Boolean).join(' ');
  if (status >= 500) {
    const hintedMs = retryInfoDelayMs(failure.details);
    const after = hintedMs !== undefined ? Math.max(1, Math.ceil(hintedMs / 1000)) : OUTAGE_RETRY_AFTER_SECONDS;
    return new UpstreamUnavailableError(`Gemini is unavailable (${label}); try again in ${after} s (${said}).`, after);
  }
  // Any other 4xx: Gemini rejected what we sent (an option the model does not support, ...).
  return new UpstreamBadResponseError(
    `Gemini rejected the request (${label}): ${truncate(withoutFinalStop(failure.message), 300)}. Check the prompt, and that GEMINI_MODEL "${model}" can generate images.`,
  );
}

/** Decodes the SDK's ApiError (duck-typed: the class is the SDK's, the check should not depend on module identity). */
function asApiFailure(error: unknown): ApiFailure | undefined {
  if (errorName(error) !== 'ApiError') return undefined;
  const status = (error as { status?: unknown }).status;
  if (typeof status !== 'number') return undefined;
  const raw = errorMessage(error);
  try {
    const body = JSON.parse(raw) as { error?: { message?: unknown; status?: unknown; details?: unknown } };
    const inner = body?.error ?? {};
    return {
      status,
      statusName: typeof inner.status === 'string' ? inner.status : undefined,
      message: typeof inner.message === 'string' ? inner.message : raw,
      details: Array.isArray(inner.details) ? inner.details : [],
    };
  } catch {
    return { status, message: raw, details: [] };
  }
}

function isApiKeyProblem(failure: ApiFailure): boolean {
  const reasons = failure.details.map((detail) => (detail as { reason?: unknown } | null)?.reason);
  return (
    reasons.some((reason) => typeof reason === 'string' && reason.startsWith('API_KEY_')) ||
    /API_KEY_INVALID|API key not valid|API key expired/i.test(failure.message)
  );
}

/** google.rpc.RetryInfo's retryDelay ("27s", "1.5s"), in milliseconds. */
function retryInfoDelayMs(details: unknown[]): number | undefined {
  for (const detail of details) {
    const { '@type': type, retryDelay } = (detail ?? {}) as { '@type'?: unknown; retryDelay?: unknown };
    if (typeof type !== 'string' || !type.endsWith('google.rpc.RetryInfo')) continue;
    const match = typeof retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(retryDelay.trim()) : null;
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

/**
 * The SDK rethrows errors that are `instanceof Error` as they are, and wraps anything else
 * as Error(`exception ${e} sending request`, { cause: e }). Under jest's VM sandbox every
 * error Node's fetch throws (TypeError, AbortError) is from another realm, so it arrives
 * wrapped; look through the wrapper so both runtimes map the same way.
 */
function unwrapSdkWrapper(error: unknown): unknown {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const wrapped = errorName(error) === 'Error' && /^exception [\s\S]* sending request$/.test(errorMessage(error));
  return wrapped && cause !== undefined ? cause : error;
}

/** undici's error code (ECONNREFUSED, UND_ERR_SOCKET, ...) on a `fetch failed` TypeError. */
function causeCode(error: unknown): string | undefined {
  const code = ((error as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Messages reach end users and logs; Gemini sometimes echoes the key ("Consumer 'api_key:...'").
 * Real keys are ~39 characters; a few-letter test key would only mangle ordinary words.
 */
function redact<E extends DomainError>(error: E, secret: string): E {
  if (secret.length >= 8 && error.message.includes(secret)) error.message = error.message.split(secret).join('[redacted]');
  return error;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined;
}

function errorMessage(error: unknown): string {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Gemini's sentences end with a full stop; ours follow them. */
function withoutFinalStop(text: string): string {
  return text.trim().replace(/\.+$/, '');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
