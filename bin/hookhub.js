#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by npm install and npm run build).
import fs from 'node:fs'

// `hookhub --help | head -1`: a reader that stops early is not an error.
process.stdout.on('error', (err) => { if (err.code === 'EPIPE') process.exit(0); else throw err })

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!fs.existsSync(main)) {
  console.error('hookhub: the compiled CLI is missing; run npm run build (npm install runs it)')
  process.exit(1)
}
await import(main.href)
