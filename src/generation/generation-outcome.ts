import {
  ContentRefusedError,
  QuotaExceededError,
  UpstreamBadResponseError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../common/errors.js';

/** A model Gemini answered "not found" for: the chain moves to the next one. → 503 if it escapes */
export class ModelRetiredError extends UpstreamUnavailableError {}

export type GenerationOutcome = 'success' | 'refused' | 'bad_response' | 'retired' | 'quota' | 'unavailable' | 'timeout' | 'error';

/** How a provider call ended, for metrics. */
export function outcomeOf(error: unknown): GenerationOutcome {
  if (error instanceof ContentRefusedError) return 'refused';
  if (error instanceof UpstreamBadResponseError) return 'bad_response';
  if (error instanceof ModelRetiredError) return 'retired';
  if (error instanceof QuotaExceededError) return 'quota';
  if (error instanceof UpstreamUnavailableError) return 'unavailable';
  if (error instanceof UpstreamTimeoutError) return 'timeout';
  return 'error';
}
