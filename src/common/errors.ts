/**
 * The domain's failures. Services throw these; DomainExceptionFilter maps them to HTTP
 * in one place, so no service knows about status codes.
 */
export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist (or was soft-deleted). → 404 */
export class NotFoundError extends DomainError {}

/** The request is well-formed but cannot be applied to the current state. → 409 */
export class ConflictError extends DomainError {}

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

/** The provider did not answer within the configured timeout. → 504 */
export class UpstreamTimeoutError extends DomainError {}

/**
 * The service cannot write where it must (a directory that is read-only, not a directory,
 * or a full disk). → 507. The message names the setting (e.g. BACKUP_DIR), never the path.
 */
export class StorageUnavailableError extends DomainError {}
