// npm links the bins of dependencies into node_modules/.bin but never the project's own; this
// makes `node_modules/.bin/hookhub` work in a checkout as it does where hookhub is installed.
import fs from 'node:fs'
import path from 'node:path'

const binDir = path.join('node_modules', '.bin')
const link = path.join(binDir, 'hookhub')
fs.mkdirSync(binDir, { recursive: true })
fs.rmSync(link, { force: true })
fs.symlinkSync(path.join('..', '..', 'bin', 'hookhub.js'), link)
