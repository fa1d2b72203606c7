/**
 * Finding and launching Debian's Chromium for the browser suite. Locally a missing browser skips the
 * suite with a loud warning; with `CI` set it is a failure, because CI installs Chromium (.ci/run)
 * and a silent skip there would hide a broken suite.
 */
import fs from 'node:fs';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { DESKTOP } from './screenshots.js';
import { startServer, type RunningServer } from './server-process.js';

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

/** A describe block's real server and Chromium, and fresh browsers (contexts) on that Chromium. */
export interface ChromiumSuite {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** A new, empty browser (cookie jar): `viewport` (DESKTOP by default), en-US, UTC. */
  newContext(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  /** A page in a new context (close it with `page.context().close()`). */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * Registers `before` (start the real server with `env`, or what `env()` returns once earlier
 * `before` hooks ran, and launch Chromium, in parallel) and `after` (close the browser, stop the
 * server) in the current describe block; the returned object's `server` and `browser` are usable
 * from the tests on.
 */
export function chromiumSuite(env: Record<string, string> | (() => Record<string, string>) = {}): ChromiumSuite {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    // allSettled, not all: when one fails, `after` must still find and close the other (a browser
    // left open keeps the test process alive).
    const started = await Promise.allSettled([
      startServer(typeof env === 'function' ? env() : env).then((s) => (server = s)),
      launchChromium().then((b) => (browser = b)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  const suite: ChromiumSuite = {
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
    newContext: (viewport = DESKTOP) => browser!.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC' }),
    newPage: async (viewport = DESKTOP) => (await suite.newContext(viewport)).newPage(),
  };
  return suite;
}

/**
 * Turns on the DevTools virtual authenticator for `page` (CTAP2, internal, resident keys, user
 * verified), so WebAuthn ceremonies there succeed without a person; returns the session and its id.
 */
export async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
  });
  return { cdp, authenticatorId };
}
