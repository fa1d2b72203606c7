/**
 * Issue 12 item 8 at 375 px (a small phone): no page scrolls sideways (document.documentElement's
 * scrollWidth stays within the viewport), signed in or out, and the header shows the whole username,
 * even one of 32 characters (the longest allowed). Real Chromium against the real server; the
 * browser's own time zone (Europe/Paris here) reaches the pages through the sign-up form's script.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { loadsNewPage, pathOf, submit } from './pages.js';

const WIDTH = 375;
const PAGE_TIMEOUT_MS = 30_000;
const USERNAME = 'maximiliana.oberstaatsanwaeltin1'; // 32 characters, no spaces to break at
const PASSWORD = 'narrow screens need whole names 42';

/** What a page looks like at this width: how far it scrolls sideways, and the username box. */
async function measure(page: Page) {
  const scrollWidth = await page.locator('html').evaluate((html) => html.scrollWidth);
  const who = page.getByTestId('signed-in-user');
  if ((await who.count()) === 0) return { scrollWidth, who: null };
  const facts = await who.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return { text: (el.textContent ?? '').replace('Signed in as ', '').trim(), left: box.left, right: box.right, clipped: el.scrollWidth > el.clientWidth + 1 };
  });
  return { scrollWidth, who: facts };
}

async function assertFits(page: Page, label: string, signedIn: boolean): Promise<void> {
  const m = await measure(page);
  assert.ok(m.scrollWidth <= WIDTH, `${label}: the page is ${m.scrollWidth}px wide at ${WIDTH}px (${pathOf(page)})`);
  if (!signedIn) return assert.equal(m.who, null, `${label}: no username when signed out`);
  assert.ok(m.who, `${label}: the header names the signed-in user`);
  assert.equal(m.who.text, USERNAME, `${label}: the whole username`);
  assert.ok(!m.who.clipped && m.who.left >= 0 && m.who.right <= WIDTH, `${label}: the username is fully visible (${JSON.stringify(m.who)})`);
}

describe('minibank at 375 px wide', { skip: chromiumSkipReason() }, () => {
  // Server and Chromium started (and always closed) the one way every e2e suite does (chromium.ts).
  const suite = chromiumSuite();
  let page: Page;
  let origin = '';

  before(async () => {
    origin = suite.server.origin;
    const context = await suite.browser.newContext({ viewport: { width: WIDTH, height: 800 }, locale: 'en-US', timezoneId: 'Europe/Paris' });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    page = await context.newPage();
  });

  it('fits every signed-out page', { timeout: 60_000 }, async () => {
    for (const path of ['/', '/login', '/signup', '/no-such-page']) {
      await page.goto(`${origin}${path}`);
      await assertFits(page, `signed out ${path}`, false);
    }
    await page.goto(`${origin}/`);
    assert.match(((await page.getByTestId('example-label').textContent()) ?? '').trim(), /^Example\b/, 'the home balance says it is an example');
  });

  it('fits every signed-in page, with the whole username in the header', { timeout: 120_000 }, async () => {
    await page.goto(`${origin}/signup`);
    await page.fill('#username', USERNAME);
    await page.fill('#password', PASSWORD);
    await submit(page, page.getByTestId('signup-submit'));
    assert.equal(pathOf(page), '/dashboard');
    await assertFits(page, 'dashboard after sign-up', true);

    await loadsNewPage(page, () => page.goto(`${origin}/deposit`));
    await page.fill('#amount', '1,234,567.89');
    await page.fill('#memo', 'A rather long note without many spaces: supercalifragilisticexpialidocious-and-then-some');
    await submit(page, page.getByTestId('deposit-submit'));

    await page.goto(`${origin}/transfer`);
    await page.fill('#to', USERNAME);
    await page.fill('#amount', '1');
    await submit(page, page.getByTestId('transfer-review'));
    await assertFits(page, 'transfer refused beside the payee', true);

    for (const path of [
      '/dashboard',
      '/deposit',
      '/withdraw',
      '/transfer',
      '/transactions',
      '/requests',
      '/accounts',
      '/settings',
      '/sign-out',
      '/',
      '/no-such-page',
      '/transactions?from=nope',
    ]) {
      await page.goto(`${origin}${path}`);
      await assertFits(page, `signed in ${path}`, true);
    }
    await page.goto(`${origin}/no-such-page`);
    assert.equal(await page.getByTestId('logout').textContent(), 'Sign out', 'the signed-in 404 offers to sign out');
    assert.equal(await page.getByRole('link', { name: 'Back to your dashboard' }).count(), 1);

    // The browser said Europe/Paris at sign-up (app.js), so the settings page shows it chosen.
    await page.goto(`${origin}/settings`);
    assert.equal(await page.locator('#time_zone').inputValue(), 'Europe/Paris');
  });
});
