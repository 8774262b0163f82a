import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console's page: web/ (Preact + uPlot) built to dist/web, which `awo api` serves at `/`.
// Relative asset paths (`base: './'`) so the page works behind a path prefix too.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
});
