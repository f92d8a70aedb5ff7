import { fileURLToPath } from 'node:url'
import { defineConfig, type UserConfig } from 'vite'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

/**
 * The console (/console) and the customer portal (/portal) are built alike, each to its own
 * directory under dist/, from the same components and styles in src/. hookhub serves both
 * itself (src/http/console-routes.ts); nothing is loaded from elsewhere, so they work offline.
 * Preact's JSX runtime replaces React's.
 */
export const appConfig = (name: 'console' | 'portal'): UserConfig => defineConfig({
  root: here(name === 'console' ? '.' : './portal'),
  base: `/${name}/`,
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here(`../dist/${name}`),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: no inline scripts, which the apps' Content-Security-Policy forbids.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
})

export default appConfig('console')
