// Debian's chromium driven by playwright-core, for the console's and the portal's browser tests.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { test, type TestContext } from 'node:test'
import { chromium, type Browser } from 'playwright-core'

const CHROMIUM = process.env.HOOKHUB_CHROMIUM ?? '/usr/bin/chromium'
/** A cold chromium start on a loaded machine takes seconds: never the test's bottleneck. */
const LAUNCH_MS = 45_000

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: LAUNCH_MS })

/**
 * Registers `run` as a test where chromium is installed; otherwise a visible skip, or a failure
 * under HOOKHUB_REQUIRE_BROWSER=1 (CI installs chromium, so it may not be missing there).
 */
export function browserTest (name: string, timeout: number, run: (t: TestContext) => Promise<void>) {
  if (fs.existsSync(CHROMIUM)) {
    test(name, { timeout }, run)
  } else if (process.env.HOOKHUB_REQUIRE_BROWSER === '1') {
    test(name, () => assert.fail(`chromium not found at ${CHROMIUM}; HOOKHUB_REQUIRE_BROWSER=1 requires it`))
  } else {
    test.skip(`browser test skipped (${name}): chromium not found at ${CHROMIUM} (install it, or set HOOKHUB_CHROMIUM)`)
  }
}
