import { type Request, type Response, Router, static as serveStatic } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Vite names every file under /assets by its content hash, so a URL never changes meaning. */
const ASSETS_MAX_AGE_MS = 31_536_000_000;
const NOT_BUILT_MESSAGE = 'The web app is not built yet: run `npm run build` (`npm start` does it for you), then reload this page.';

/**
 * Serves the built web app (web/ → dist/web): `index.html` at `/`, hashed files under
 * `/assets`. Nothing else is claimed: every other path, including unknown `/assets/…` files,
 * falls through to Nest, so /api, /docs, /health and /metrics keep their own answers.
 * The folder is looked up per request, so a build made while the service runs is picked up.
 */
export function webAppRouter(webDir: string, descriptor: ServiceDescriptor): Router {
  const router = Router();
  router.use('/assets', serveStatic(join(webDir, 'assets'), { immutable: true, maxAge: ASSETS_MAX_AGE_MS, index: false, redirect: false }));
  router.get('/', (request: Request, response: Response) => {
    // Browsers prefer HTML; API clients (Accept: application/json, or */*) get what the old
    // backend answered here.
    if (request.accepts(['json', 'html']) === 'json') {
      response.json(descriptor);
      return;
    }
    // no-cache, not no-store: the browser revalidates (ETag → 304) and so always learns new asset names.
    response.sendFile(join(webDir, 'index.html'), { cacheControl: false, headers: { 'Cache-Control': 'no-cache' } }, (error) => {
      if (!error || response.headersSent) return;
      response.status(503).type('text/plain').send(NOT_BUILT_MESSAGE);
    });
  });
  return router;
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
