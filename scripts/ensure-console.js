// Builds the web console (npm run build) when dist/console/index.html is missing, so that
// `npm start` and the browser test work from a fresh clone. A present build is left alone:
// run `npm run build` yourself after changing console/. Plain JavaScript: `npm start` runs it
// first, and it should cost no more than a file check.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const consoleIndex = path.join(root, 'dist', 'console', 'index.html')

/**
 * Returns true when it had to build; throws with the build's output when the build fails.
 * @param {{ quiet?: boolean }} [options]
 */
export function ensureConsoleBuilt ({ quiet = false } = {}) {
  if (fs.existsSync(consoleIndex)) return false
  if (!quiet) console.log('hookhub: the web console is not built yet; running npm run build')
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8', timeout: 120_000 })
  if (result.status !== 0) {
    throw new Error(`npm run build failed (${result.error?.message ?? `exit ${result.status}`})\n${result.stdout ?? ''}${result.stderr ?? ''}`)
  }
  return true
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureConsoleBuilt()
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
