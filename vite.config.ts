import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { precompressDir } from './src/web-app/precompressed.js';

const outDir = fileURLToPath(new URL('./dist/web', import.meta.url));

/** Writes brotli and gzip copies of the built HTML, JS, CSS and SVG, which the service serves to browsers that take them. */
function precompress(): Plugin {
  return {
    name: 'dnd:precompress',
    apply: 'build',
    // closeBundle: after every file, index.html included, is written.
    closeBundle: async () => {
      await precompressDir(outDir);
    },
  };
}

/**
 * The web app (web/) builds into dist/web, which the service serves at `/` (src/web-app):
 * index.html plus content-hashed files under /assets, cached for a year, each with `.br` and
 * `.gz` copies beside it.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  // Everything is bundled and served by the service itself: the app works offline, under helmet's CSP.
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    // Inlined assets would become data: URLs; separate files keep the CSP story simple.
    assetsInlineLimit: 0,
  },
  plugins: [precompress()],
  logLevel: 'warn',
});
