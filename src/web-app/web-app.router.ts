import { type Request, type Response, Router, static as serveStatic } from 'express';
import { existsSync } from 'node:fs';
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
export function webAppRouter(webDir: string): Router {
  const router = Router();
  router.use('/assets', serveStatic(join(webDir, 'assets'), { immutable: true, maxAge: ASSETS_MAX_AGE_MS, index: false, redirect: false }));
  router.get('/', (_request: Request, response: Response) => {
    // no-cache, not no-store: the browser revalidates (ETag → 304) and so always learns new asset names.
    response.sendFile(join(webDir, 'index.html'), { cacheControl: false, headers: { 'Cache-Control': 'no-cache' } }, (error) => {
      if (!error || response.headersSent) return;
      response.status(503).type('text/plain').send(NOT_BUILT_MESSAGE);
    });
  });
  return router;
}

/**
 * dist/web under the project root, found by walking up to package.json, so the answer is the
 * same from the compiled dist/src/web-app/ and from src/web-app/ under jest.
 */
export function findWebAppDir(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web');
    if (dirname(dir) === dir) return join(process.cwd(), 'dist', 'web'); // no package.json above: assume the working directory
  }
}
