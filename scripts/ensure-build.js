// Builds what `npm start`, the bin and the tests run when it is missing or older than its
// sources: the server (tsc → dist/, stamped dist/.server-build), the web console (dist/console/)
// and the customer portal (dist/portal/). Plain JavaScript: `npm start` runs it first, and when
// everything is built it costs a walk over the source tree's timestamps.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const serverStamp = path.join(root, 'dist', '.server-build')
const appIndexes = ['console', 'portal'].map((app) => path.join(root, 'dist', app, 'index.html'))

function newestMtime (dir) {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs)
  }
  return newest
}

const mtimeOf = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0)

function run (script, quiet) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['run', script], { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8', timeout: 300_000 })
  if (result.status !== 0) {
    throw new Error(`npm run ${script} failed (${result.error?.message ?? `exit ${result.status}`})\n${result.stdout ?? ''}${result.stderr ?? ''}`)
  }
}

/** Compiles src/ to dist/ unless the last build is newer than every source. Returns true when it built. */
export function ensureServerBuilt ({ quiet = false } = {}) {
  const stamp = mtimeOf(serverStamp)
  if (stamp > 0 && stamp >= Math.max(newestMtime(path.join(root, 'src')), mtimeOf(path.join(root, 'tsconfig.build.json')))) return false
  if (!quiet) console.log('hookhub: compiling the server (npm run build:server)')
  run('build:server', quiet)
  return true
}

/** Builds the console and the portal when dist/console/ or dist/portal/ has no index.html. Returns true when it built. */
export function ensureConsoleBuilt ({ quiet = false } = {}) {
  if (appIndexes.every((index) => fs.existsSync(index))) return false
  if (!quiet) console.log('hookhub: the web console or the portal is not built yet; running npm run build:console')
  run('build:console', quiet)
  return true
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureServerBuilt()
    ensureConsoleBuilt()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
