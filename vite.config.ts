import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web app (web/) builds into dist/web, which the service serves at `/` (src/web-app):
 * index.html plus content-hashed files under /assets, cached for a year.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  // Everything is bundled and served by the service itself: the app works offline, under helmet's CSP.
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inlined assets would become data: URLs; separate files keep the CSP story simple.
    assetsInlineLimit: 0,
  },
  logLevel: 'warn',
});
