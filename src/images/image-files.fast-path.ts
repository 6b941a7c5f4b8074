import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Histogram } from 'prom-client';
import { NATIVE_API_BASE } from '../common/http/api-versions.js';
import { sendImmutableFile } from '../common/http/send-immutable-file.js';
import { METRICS } from '../common/metrics/metric-names.js';
import type { ImageVariant } from '../storage/storage-paths.js';
import { ImageFileCache } from './image-file-cache.js';

const FILE_URL = new RegExp(
  `^${NATIVE_API_BASE}/images/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/(full|thumbnail)(?:\\?.*)?$`,
  'i',
);
const ROUTE_LABELS: Record<ImageVariant, string> = {
  full: `${NATIVE_API_BASE}/images/:id/full`,
  thumbnail: `${NATIVE_API_BASE}/images/:id/thumbnail`,
};
/** What helmet would add that matters for an image; the rest concerns documents. */
const SECURITY_HEADERS: Array<[string, string]> = [
  ['Cross-Origin-Resource-Policy', 'cross-origin'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Referrer-Policy', 'no-referrer'],
];

/**
 * Answers cache hits for the immutable file routes before Express sees the request.
 * Serving an image is the hottest path, and a framework dispatch plus a query plus a file
 * read per request costs ~15× a bare node:http send (see README, Benchmarks). Only bytes
 * that ImagesService.readFile already validated against the database are in the cache;
 * everything else — misses, expired entries, other routes — goes through Nest as usual.
 */
@Injectable()
export class ImageFilesFastPath implements OnApplicationBootstrap {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: ImageFileCache,
    @InjectMetric(METRICS.httpRequestDuration) private readonly duration: Histogram<'method' | 'route' | 'status'>,
  ) {}

  onApplicationBootstrap(): void {
    // No HTTP server in a command-line tool's application context (npm run adopt).
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | null;
    if (!this.cache.enabled || !adapter) return;
    const server = adapter.getHttpServer() as Server;
    const [framework, ...others] = server.listeners('request') as RequestListener[];
    if (!framework || others.length > 0) return; // not the plain Express setup this expects
    server.removeListener('request', framework);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!this.tryServe(request, response)) framework(request, response);
    });
  }

  /** True when the request was answered from the cache. */
  tryServe(request: IncomingMessage, response: ServerResponse): boolean {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const match = FILE_URL.exec(request.url ?? '');
    if (!match) return false;
    const variant = match[2].toLowerCase() as ImageVariant;
    const file = this.cache.get(match[1].toLowerCase(), variant);
    if (!file) return false;

    const start = process.hrtime.bigint();
    for (const [name, value] of SECURITY_HEADERS) response.setHeader(name, value);
    sendImmutableFile(request, response, file);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    this.duration.observe({ method: request.method, route: ROUTE_LABELS[variant], status: String(response.statusCode) }, seconds);
    return true;
  }
}
