import { type NextFunction, type Request, type Response, Router, static as serveStatic } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptedEncodings, compressibleType, type ContentEncoding, isPrecompressedVariant, PRECOMPRESSED_SUFFIXES } from './precompressed.js';

/** Vite names every file under /assets by its content hash, so a URL never changes meaning. */
const ASSETS_MAX_AGE_MS = 31_536_000_000;
const NOT_BUILT_MESSAGE = 'The web app is not built yet: run `npm run build` (`npm start` does it for you), then reload this page.';

/** What express's sendFile takes (send's options). */
type SendFileOptions = NonNullable<Parameters<Response['sendFile']>[1]>;

/**
 * Serves the built web app (web/ → dist/web): `index.html` at `/`, hashed files under
 * `/assets`. Nothing else is claimed: every other path, including unknown `/assets/…` files,
 * falls through to Nest, so /api, /docs, /health and /metrics keep their own answers.
 * The folder is looked up per request, so a build made while the service runs is picked up.
 *
 * HTML, JS, CSS and SVG go out as the build compressed them (`.br`, `.gz` beside each file,
 * precompressed.ts) to a client that takes brotli or gzip, as they are to any other; either
 * way with `Vary: Accept-Encoding`. Each variant has its own ETag and Content-Length.
 */
export function webAppRouter(webDir: string, descriptor: ServiceDescriptor): Router {
  const router = Router();
  const assetsDir = join(webDir, 'assets');
  const assetOptions = { immutable: true, maxAge: ASSETS_MAX_AGE_MS };
  router.use(
    '/assets',
    (request: Request, response: Response, next: NextFunction) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return next();
      // The stored variants are no URLs of their own: `/assets/index-Ab12.js.gz` falls through.
      if (isPrecompressedVariant(request.path)) return next('router');
      sendPrecompressed(request, response, request.path, { ...assetOptions, root: assetsDir }, () => next());
    },
    serveStatic(assetsDir, { ...assetOptions, index: false, redirect: false }),
  );
  router.get('/', (request: Request, response: Response) => {
    // Browsers prefer HTML; API clients (Accept: application/json, or */*) get what the old
    // backend answered here.
    response.vary('Accept');
    if (request.accepts(['json', 'html']) === 'json') {
      response.json(descriptor);
      return;
    }
    // no-cache, not no-store: the browser revalidates (ETag → 304) and so always learns new asset names.
    const options: SendFileOptions = { root: webDir, cacheControl: false, headers: { 'Cache-Control': 'no-cache' } };
    sendPrecompressed(request, response, 'index.html', options, () =>
      response.sendFile('index.html', options, (error) => {
        if (!error || response.headersSent) return;
        response.status(503).type('text/plain').send(NOT_BUILT_MESSAGE);
      }),
    );
  });
  return router;
}

/**
 * Sends `path` (URL-encoded, under `options.root`) in the best encoding the client takes whose
 * variant the build wrote; `identity` (a file that is not compressible, a client that takes
 * neither, a variant missing) when there is none.
 */
function sendPrecompressed(request: Request, response: Response, path: string, options: SendFileOptions, identity: () => void): void {
  const type = compressibleType(path);
  if (type === undefined) return identity();
  response.vary('Accept-Encoding');
  const attempt = ([encoding, ...rest]: ContentEncoding[]): void => {
    if (encoding === undefined) return identity();
    // Set once the variant is found (send's `headers` event), so a fall-through carries neither.
    const headers = { ...options.headers, 'Content-Type': type, 'Content-Encoding': encoding };
    response.sendFile(`${path}${PRECOMPRESSED_SUFFIXES[encoding]}`, { ...options, headers }, (error) => {
      if (error && !response.headersSent) attempt(rest);
    });
  };
  attempt(acceptedEncodings(request.headers['accept-encoding']));
}

/** What `GET /` answers API clients (the old backend's descriptor). */
export interface ServiceDescriptor {
  name: string;
  version: string;
  status: 'operational';
  docs: string;
  health: string;
}

export function serviceDescriptor(root = findProjectRoot()): ServiceDescriptor {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { name: 'D&D Image Generation API', version, status: 'operational', docs: '/docs', health: '/health' };
}

/** dist/web under the project root. */
export function findWebAppDir(root = findProjectRoot()): string {
  return join(root, 'dist', 'web');
}

/**
 * The project root, found by walking up to package.json, so the answer is the same from the
 * compiled dist/src/web-app/ and from src/web-app/ under jest.
 */
export function findProjectRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return process.cwd(); // no package.json above: assume the working directory
  }
}
