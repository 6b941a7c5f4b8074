import type { INestApplication } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Histogram } from 'prom-client';
import { NATIVE_API_BASE } from '../common/http/api-versions.js';
import { setRouteTemplate } from '../common/http/route-template.js';
import type { RequestLogging } from '../common/logging/request-logging.js';
import { METRICS } from '../common/metrics/metric-names.js';
import { AppConfig } from '../config/app-config.js';
import type { ImageVariant } from '../storage/storage-paths.js';
import { ImageFileCache } from './image-file-cache.js';
import { sendImageFile } from './image-file.http.js';

/**
 * The headers a middleware that depends on nothing in the request sets (helmet's, whose
 * options are fixed at boot), read once by running it against a recording response: a hit
 * then copies them instead of running helmet's dozen steps again (about 10 µs of a 60 µs hit).
 */
function headersSetBy(middleware: HeaderMiddleware): Array<[string, string | number | readonly string[]]> {
  const headers = new Map<string, string | number | readonly string[]>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name.toLowerCase(), value),
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  } as unknown as ServerResponse;
  middleware({ headers: {}, method: 'GET', url: '/' } as IncomingMessage, recorder, () => undefined);
  return [...headers];
}

/** Connect-style middleware that finishes synchronously (helmet, cors): the headers every route gets. */
export type HeaderMiddleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

const FILE_URL = new RegExp(
  `^${NATIVE_API_BASE}/images/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(full|thumbnail)(?:\\?.*)?$`,
  'i',
);
const ROUTE_LABELS: Record<ImageVariant, string> = {
  full: `${NATIVE_API_BASE}/images/:id/full`,
  thumbnail: `${NATIVE_API_BASE}/images/:id/thumbnail`,
};

/**
 * Answers cache hits for the immutable file routes before Express sees the request. Serving
 * an image is the hottest path, and a framework dispatch plus a query plus a file read per
 * request costs ~15× a bare node:http send (see README, Benchmarks). Only bytes that
 * ImagesService.readFile already validated against the database are in the cache; everything
 * else (misses, expired entries, other routes) goes through Nest as usual. A hit gets the
 * same headers, request id and log line as the route (the app's own request logging, helmet
 * and CORS middleware run first) and is timed in the same histogram.
 *
 * Installed by configureApp (the HTTP setup), never by a module: a command-line context has
 * no server to speed up.
 */
export function installImageFilesFastPath(app: INestApplication, headers: { fixed: HeaderMiddleware; perRequest: HeaderMiddleware[] }, logging: RequestLogging): void {
  const cache = app.get(ImageFileCache);
  // Redirecting to the bucket (S3_SERVE=redirect), the route never sends bytes: nor may this.
  if (!cache.enabled || app.get(AppConfig).storage.serve === 'redirect') return;
  const fixedHeaders = headersSetBy(headers.fixed);
  const duration = app.get<Histogram<'method' | 'route' | 'status'>>(getToken(METRICS.httpRequestDuration));
  const server = app.getHttpServer() as Server;
  const [framework, ...others] = server.listeners('request') as RequestListener[];
  if (!framework || others.length > 0) return; // not the plain Express setup this expects
  server.removeListener('request', framework);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!tryServe(request, response)) framework(request, response);
  });

  /** True when the request was answered from the cache. */
  function tryServe(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const match = FILE_URL.exec(request.url ?? '');
    if (!match) return false;
    const variant = match[2].toLowerCase() as ImageVariant;
    const file = cache.get(match[1].toLowerCase(), variant);
    if (!file) return false;

    const start = process.hrtime.bigint();
    setRouteTemplate(request, ROUTE_LABELS[variant]);
    const requestId = logging.assignId(request, response);
    for (const [name, value] of fixedHeaders) response.setHeader(name, value);
    for (const middleware of headers.perRequest) middleware(request, response, () => undefined);
    sendImageFile(request, response, file);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    duration.observe({ method: request.method, route: ROUTE_LABELS[variant], status: String(response.statusCode) }, seconds);
    logging.logAnswered(request, response, requestId, Math.round(seconds * 1000));
    return true;
  }
}
