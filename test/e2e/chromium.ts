/**
 * Finding and launching Debian's Chromium for the browser suite. Locally a missing browser skips the
 * suite with a loud warning; with `CI` set it is a failure, because CI installs Chromium (.ci/run)
 * and a silent skip there would hide a broken suite.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Flags for a quiet, reproducible browser: no sandbox (CI runs as root), no GPU, and no calls home
 * (updates, sync, background networking, QUIC), so the only traffic is to 127.0.0.1.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why the suite cannot run here (the reason for a skip), or false when it can. */
export function chromiumSkipReason(): string | false {
  if (isExecutable(CHROMIUM_PATH)) return false;
  const reason = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI) return false; // In CI the suite runs and fails on launch, loudly.
  console.warn(`\n*** SKIPPING the browser end-to-end suite: ${reason} ***\n`);
  return reason;
}

/**
 * Launches a headless Chromium. Playwright gives the browser a fresh temporary profile
 * (user-data dir) of its own, and every `newContext()` is a separate, empty cookie jar.
 */
export async function launchChromium(): Promise<Browser> {
  if (!isExecutable(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; CI must install it (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
