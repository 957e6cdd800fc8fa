/**
 * Vite builds the dashboard (ui/) into dist/ui, which the backend serves at `/`. Relative asset
 * URLs (`base: './'`) keep the page working wherever the backend is mounted. JSX uses React's
 * automatic runtime through Vite's own transformer; no plugin is needed for a production build.
 * No source maps unless KUBELIVE_SOURCEMAP=1: they would publish the sources to anyone who can
 * load the page (and the backend serves them only with --serve-source-maps).
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'ui',
  base: './',
  logLevel: 'warn',
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    sourcemap: process.env.KUBELIVE_SOURCEMAP === '1',
    chunkSizeWarningLimit: 1024,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
