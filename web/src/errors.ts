import { ApiError } from './api';
import { formatDuration } from './format';

export interface ErrorDescription {
  /** What happened and what to do, in one line. */
  title: string;
  /** The server's own words, when they add something. */
  detail?: string;
}

/** Turns a failed request into what a game master would want to read. */
export function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof ApiError)) return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
  const detail = error.messages.join(' ');
  const wait = error.retryAfterSeconds === undefined ? '' : `: try again in ${formatWait(error.retryAfterSeconds)}`;
  // Only the service's own JSON error from a drawing route speaks for the image provider; a
  // 502/503/504 from a proxy's HTML page (or from any other route) is the proxy's or the service's.
  const fromProvider = error.fromService && error.route === 'drawing';
  const answered = { title: `The service (or a proxy in front of it) answered ${[error.status, error.statusText].filter(Boolean).join(' ')}`, detail };
  if (error.status >= 200 && error.status < 300) return { title: 'The service’s answer was not understood', detail };
  switch (error.status) {
    case 0:
      return { title: 'The service could not be reached', detail };
    case 400:
      return { title: 'Please check the form', detail };
    case 401:
    case 403:
      if (error.route !== 'admin' || !error.fromService) return answered;
      // Without ADMIN_API_KEY no key helps a remote client: the server says what to configure.
      if (error.status === 403 && /ADMIN_API_KEY/.test(detail)) return { title: detail };
      return { title: 'This needs the admin key: enter it under Admin', detail };
    case 404:
      // Another tab or person can delete an image this page still shows.
      if (!error.fromService) return answered;
      return { title: 'Not found: it may have been deleted meanwhile', detail };
    case 409:
      return { title: 'Not possible right now', detail };
    case 413:
      return { title: 'That is too large for the service', detail };
    case 422:
      return error.reason ? { title: `Refused by the safety filter (${error.reason})`, detail } : { title: 'The picture could not be used', detail };
    case 429:
      // The server's message ends with the same wait; say it once, in the title.
      return { title: `Too many requests${wait}`, detail: wait ? detail.replace(/\s*Try again in \d+ s\.?$/, '') : detail };
    case 502:
      if (!fromProvider) return answered;
      return { title: 'The image provider answered without a usable image; try again or rephrase', detail };
    case 503:
      if (!fromProvider) return { ...answered, title: `${answered.title}${wait}` };
      return /GEMINI_DAILY_IMAGE_LIMIT/.test(detail)
        ? { title: `The daily Gemini image cap is reached${wait}`, detail }
        : { title: `The image provider is unavailable${wait}`, detail };
    case 504:
      if (!fromProvider) return answered;
      return { title: 'The image provider took too long; try again', detail };
    case 507:
      return { title: 'The service cannot write to its disk', detail };
    default:
      return { title: `The service answered ${error.status}`, detail };
  }
}

/** Seconds while they are few ("42 s"); the daily cap's wait until midnight reads as "5 h 12 min". */
function formatWait(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : formatDuration(seconds);
}
