import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** What a browser test's title carries when it is skipped; test/helpers/skip-reporter.js looks for it. */
export const NEEDS_CHROMIUM = 'needs Chromium';
/** The one command that brings the browser on Debian, as `.ci/run` does. */
export const INSTALL_CHROMIUM = 'sudo apt-get install -y chromium';

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

// As the probe of our machines starts it: no sandbox as root, and no background connections,
// which a closed network refuses many at a time.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium to drive: `CHROMIUM_PATH` when set (it must exist), else the first of the usual
 * system paths, else null.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.CHROMIUM_PATH) {
    if (!fs.existsSync(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, which does not exist.`);
    return env.CHROMIUM_PATH;
  }
  return SYSTEM_PATHS.find((candidate) => fs.existsSync(candidate)) ?? null;
}

const executablePath = findChromium();
/** `.ci/run` sets BROWSER_TESTS=required: there a missing browser fails the run, never skips. */
const required = process.env.BROWSER_TESTS === 'required';

/**
 * `it` for a test that drives a real browser. Without one it is skipped, its title saying why,
 * and the run's last lines list it with the install command; with BROWSER_TESTS=required it fails.
 */
export function itWithBrowser(name: string, fn: () => Promise<void>, timeout?: number): void {
  if (executablePath) it(name, fn, timeout);
  else if (required) {
    it(name, () => {
      throw new Error(`BROWSER_TESTS=required, but no Chromium was found (CHROMIUM_PATH, then ${SYSTEM_PATHS.join(', ')}). Install it: ${INSTALL_CHROMIUM}`);
    });
  } else it.skip(`${name} [${NEEDS_CHROMIUM}]`, fn);
}

/**
 * One headless Chromium for the file, started on first use (so a file whose browser tests are
 * skipped never starts one) and closed after the file's tests.
 */
export function useBrowser(): () => Promise<Browser> {
  let launching: Promise<Browser> | undefined;
  afterAll(async () => (await launching?.catch(() => undefined))?.close());
  return () => {
    if (!executablePath) throw new Error('No Chromium: this test should have been skipped.');
    launching ??= chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    return launching;
  };
}
