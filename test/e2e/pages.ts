/**
 * Steps a person takes in the browser, written once for the suite: sign up, sign in, fill a money
 * form, and "do something that loads a new page, then wait for that page". Selectors are the ids
 * and data-testids the templates promise (src/views/).
 */
import assert from 'node:assert/strict';
import type { Locator, Page, Response } from 'playwright-core';

/**
 * Runs `action` (a click that submits a form, a back button...) and waits until the next document
 * has loaded; returns the main-frame response that document came from (after any redirects).
 * Waiting for the load event, not for a URL, also works when the page posts back to its own URL.
 */
export async function loadsNewPage(page: Page, action: () => Promise<unknown>): Promise<Response | null> {
  let last: Response | null = null;
  const onResponse = (r: Response) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) last = r;
  };
  page.on('response', onResponse);
  try {
    const loaded = page.waitForEvent('load');
    await action();
    await loaded;
  } finally {
    page.off('response', onResponse);
  }
  return last;
}

export const submit = (page: Page, button: Locator) => loadsNewPage(page, () => button.click());

export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

export async function signUp(page: Page, origin: string, username: string, password: string): Promise<void> {
  await page.goto(`${origin}/signup`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await submit(page, page.getByTestId('signup-submit'));
  assert.equal(pathOf(page), '/dashboard', `sign-up of ${username} should land on the dashboard`);
  await assertFlash(page, new RegExp(`Welcome to minibank, ${username}`));
}

/** Signs in from the current login page (which may carry a `next`). */
export async function signInHere(page: Page, username: string, password: string): Promise<Response | null> {
  await page.fill('#username', username);
  await page.fill('#password', password);
  return submit(page, page.getByTestId('login-submit'));
}

export async function assertFlash(page: Page, text: RegExp): Promise<void> {
  const flash = page.getByTestId('flash');
  await flash.waitFor();
  assert.match((await flash.textContent()) ?? '', text);
}

export async function balanceText(page: Page): Promise<string> {
  return ((await page.getByTestId('balance').first().textContent()) ?? '').trim();
}

export interface HistoryRow {
  description: string;
  memo: string;
  amount: string;
  balance: string;
}

/** The rows of the /transactions table (or the dashboard's recent list), top to bottom. */
export async function historyRows(page: Page): Promise<HistoryRow[]> {
  // Plain expressions only inside the browser function: tsx would wrap a named helper in a
  // `__name(...)` call that does not exist in the page.
  const cells = await page
    .getByTestId('transaction-row')
    .evaluateAll((rows) =>
      rows.map((row) =>
        [
          '[data-testid=transaction-description]',
          '[data-testid=transaction-memo]',
          '[data-testid=transaction-amount]',
          '[data-testid=transaction-balance]',
        ].map((sel) => (row.querySelector(sel)?.textContent ?? '').trim()),
      ),
    );
  return cells.map(([description = '', memo = '', amount = '', balance = '']) => ({ description, memo, amount, balance }));
}
