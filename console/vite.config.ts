import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

// The console is served by hookhub itself at /console (src/http/console-routes.ts); nothing is
// loaded from elsewhere, so it works offline. Preact's JSX runtime replaces React's.
export default defineConfig({
  root: here('.'),
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: no inline scripts, which the console's Content-Security-Policy forbids.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
})
