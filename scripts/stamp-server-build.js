// Marks the server build as complete (ensure-build.js compares this stamp with the sources).
import fs from 'node:fs'

fs.writeFileSync('dist/.server-build', `${new Date().toISOString()}\n`)
