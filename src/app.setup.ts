import { type INestApplication, RequestMethod, VersioningType } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import cors from 'cors';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { API_GLOBAL_PREFIX } from './common/http/api-versions.js';
import { jsonBodyParser } from './common/http/json-body.js';
import { buildOpenApiDocument } from './common/http/openapi-document.js';
import { RequestLogging } from './common/logging/request-logging.js';
import { OwnBodyRoutes } from './common/http/own-body-routes.js';
import { AppConfig } from './config/app-config.js';
import { installImageFilesFastPath } from './images/image-files.fast-path.js';
import { ImageStore } from './storage/image-store.js';
import { findWebAppDir, serviceDescriptor, webAppRouter } from './web-app/web-app.router.js';

/** Nest's own log lines (and every service's) go through pino too, with the request's id inside a request; main.ts calls it. */
export function useServiceLogger(app: NestExpressApplication): void {
  app.useLogger(app.get(PinoNestLogger));
}

/** JSON bodies are prompts and flags; anything larger is a mistake or an attack. */
export const JSON_BODY_LIMIT = '1mb';

/**
 * Everything about the HTTP surface that is not a module: shared by main.ts and the e2e
 * tests, so tests exercise exactly what users get.
 */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  // File routes send their own strong ETags; Express's weak ones on JSON only cost a hash.
  app.set('etag', false);
  // Behind a reverse proxy every request comes from the proxy; trusting it (TRUST_PROXY) makes
  // `req.ip` the real client, which per-client rate limits and the admin guard key on.
  const config = app.get(AppConfig);
  const descriptor = serviceDescriptor();
  app.set('trust proxy', config.http.trustProxy);
  // A client sending a byte every few seconds must not hold a socket for Node's default 5 min.
  const server = app.getHttpServer() as Server;
  server.headersTimeout = config.http.headersTimeoutMs;
  server.requestTimeout = Math.max(config.http.requestTimeoutMs, config.http.headersTimeoutMs);
  const securityHeaders = helmet({
    // Game tables embed these pictures from other origins.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // Served over plain HTTP on laptops and LANs: forcing HTTPS would break the web app. Images
    // redirected to the bucket (S3_SERVE=redirect) load from its origin.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, ...imageSourcesFor(app) } },
    strictTransportSecurity: false,
  });
  // Browser games on other origins (a page opened from disk, a local server on :8080) call the
  // API. CORS only lets their pages read answers; it grants no rights (admin needs the key or
  // this machine either way). The `cors` package is what app.enableCors uses; built here so
  // the file fast path sends the very same headers.
  const crossOrigin = cors({
    origin: config.http.corsOrigins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    credentials: false,
    exposedHeaders: ['Retry-After', 'X-Cache', 'X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'ETag', 'Location', 'Preference-Applied'],
    maxAge: 600,
  });
  // First of all, so every request (the web app's files, a 404, a refused body) has an id and a log line.
  const requestLogging = app.get(RequestLogging);
  app.use(requestLogging.middleware, securityHeaders, crossOrigin);
  installImageFilesFastPath(app, { fixed: securityHeaders, perRequest: [crossOrigin] }, requestLogging);
  // Bodies are bounded in size and nesting before they are parsed. A module that takes larger
  // ones (the LocalStorage import, for admins only) claims its routes and parses them itself.
  const ownBodies = app.get(OwnBodyRoutes);
  app.use(jsonBodyParser({ limit: JSON_BODY_LIMIT, skip: (request) => ownBodies.has(request) }));
  app.setGlobalPrefix(API_GLOBAL_PREFIX, {
    exclude: [
      { path: 'health', method: RequestMethod.GET },
      { path: 'health/{*probe}', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  // Controllers name their version (`/api/v1/…` the old contract, `/api/v2/…` the native API).
  app.enableVersioning({ type: VersioningType.URI });
  app.enableShutdownHooks();

  const document = buildOpenApiDocument(app, descriptor.version);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app.use(webAppRouter(findWebAppDir(), descriptor));
  return app;
}

/** With files redirected to a bucket, the page's pictures come from its origin too. */
function imageSourcesFor(app: INestApplication): { imgSrc?: string[] } {
  const origin = app.get(AppConfig).storage.serve === 'redirect' ? app.get(ImageStore).temporaryUrlOrigin : undefined;
  return origin ? { imgSrc: ["'self'", 'data:', origin] } : {};
}
