/**
 * The domain's failures. Services throw these; ErrorResponseFilter maps them to HTTP
 * in one place, so no service knows about status codes.
 */
export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** What an unknown thrown value says, for logs and messages. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The request is well-formed but asks for what cannot be done as asked (more references than
 * the model takes, a size it does not draw, a reference that does not exist). → 400
 */
export class InvalidRequestError extends DomainError {}

/** The thing asked for does not exist (or was soft-deleted). → 404 */
export class NotFoundError extends DomainError {}

/** The request is well-formed but cannot be applied to the current state. → 409 */
export class ConflictError extends DomainError {}

/** An earlier request's work under the same Idempotency-Key is still running: ask again later. → 409 with Retry-After */
export class StillRunningError extends ConflictError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** An Idempotency-Key sent before with a different request. → 422 */
export class IdempotencyKeyReusedError extends DomainError {}

/** The input data itself is unusable (not an image, too large, ...). → 422 */
export class InvalidImageError extends DomainError {}

/** The provider refused the prompt (safety filters). → 422 */
export class ContentRefusedError extends DomainError {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The provider answered, but with no usable image. → 502 */
export class UpstreamBadResponseError extends DomainError {}

/**
 * The provider cannot serve us right now (quota, overload, outage, bad credentials,
 * retired model). → 503, with Retry-After when a wait is known.
 */
export class UpstreamUnavailableError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Gemini's quota for the key, or this service's daily cap, is used up: waiting is the cure. → 503 (v1: 429) */
export class QuotaExceededError extends UpstreamUnavailableError {}

/** Gemini's own per-minute quota (its 429): it refills soon, so a queued job waits for it instead of failing. */
export class ProviderQuotaError extends QuotaExceededError {}

/** The provider did not answer within the configured timeout. → 504 */
export class UpstreamTimeoutError extends DomainError {}

/**
 * The service cannot write where it must (a directory that is read-only, not a directory,
 * or a full disk). → 507. The message names the setting (e.g. BACKUP_DIR), never the path.
 */
export class StorageUnavailableError extends DomainError {}

/**
 * This deployment cannot do that at all, and asking again will not help (e.g. a backup on
 * PostgreSQL without pg_dump installed). The message says what to do instead. → 501
 */
export class NotSupportedHereError extends DomainError {}

/** A failure as plain data, so one replica can hand it to requests waiting on another. */
export interface SerializedError {
  name: string;
  message: string;
  /** The subclass's own fields (a refusal's reason, a Retry-After). */
  fields: object;
}

/** The errors a shared piece of work (a generation) can end with, by name. */
const SHAREABLE_ERRORS: Record<string, new (message: string) => DomainError> = {
  InvalidRequestError,
  NotFoundError,
  ConflictError,
  StillRunningError: StillRunningError as unknown as new (message: string) => DomainError,
  IdempotencyKeyReusedError,
  InvalidImageError,
  ContentRefusedError: ContentRefusedError as unknown as new (message: string) => DomainError,
  UpstreamBadResponseError,
  UpstreamUnavailableError,
  QuotaExceededError: QuotaExceededError as unknown as new (message: string) => DomainError,
  ProviderQuotaError: ProviderQuotaError as unknown as new (message: string) => DomainError,
  UpstreamTimeoutError,
  StorageUnavailableError,
};

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  // Own enumerable fields only: `message` and `stack` are not, `name` is set by DomainError.
  const fields = Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'name'));
  return { name: error.name, message: error.message, fields };
}

/** The same domain error again (same status and message); anything else becomes a plain Error (500). */
export function reviveError(serialized: SerializedError): Error {
  const ErrorClass = SHAREABLE_ERRORS[serialized.name];
  if (!ErrorClass) return new Error(serialized.message);
  return Object.assign(new ErrorClass(serialized.message), serialized.fields);
}
