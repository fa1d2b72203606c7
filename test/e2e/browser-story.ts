/**
 * The browser story (run by browser.test.ts on SQLite and browser-postgres.test.ts on PostgreSQL):
 * the web bank end to end in real Chromium (Debian's, driven by playwright-core) against the real
 * server started as a child process, as people run it. One story, step by step: two people sign up
 * in separate browsers, add money, send some, read their histories, charts and CSV, change a
 * password, sign out, and meet a hostile page on another port. Screenshots of the main pages go to
 * test-artifacts/screenshots/ (see screenshots.ts).
 *
 * The steps share the browsers and the server, so they run in order; each waits for pages and
 * selectors, never for a fixed time.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TempDatabase } from '../helpers/postgres.js';
import { accountState } from './bank-api.js';
import { startAttackerSite, type AttackerSite } from './attacker-site.js';
import { launchChromium } from './chromium.js';
import { assertFlash, balanceText, historyRows, loadsNewPage, pathOf, signInHere, signUp, submit } from './pages.js';
import { DESKTOP, PHONE, screenshot as takeScreenshot } from './screenshots.js';
import { startServer, type RunningServer } from './server-process.js';

const STEP_TIMEOUT_MS = 45_000;
const PAGE_TIMEOUT_MS = 15_000;

// Long random passwords, so the common-password check never gets in the way.
const strongPassword = () => `${crypto.randomBytes(18).toString('base64url')} e2e`;
const MEMO = 'Dinner <b>& "taxi"</b>, thanks';

/** "1,000.25" or "-250.25" as exact cents, without ever going through a float. */
function cents(decimal: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(decimal);
  assert.ok(m, `"${decimal}" is not a plain decimal with two places`);
  const value = BigInt(m[2]!) * 100n + BigInt(m[3]!);
  return m[1] === '-' ? -value : value;
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export interface StoryOptions {
  title: string;
  /** Why the story cannot run here, or false. */
  skip: string | false;
  /** A fresh PostgreSQL database for the server; without it the server uses SQLite in its DATA_DIR. */
  database?: () => Promise<TempDatabase>;
  /** Whether to save screenshots (one run is enough; the pages do not depend on the database). */
  screenshots: boolean;
}

export function browserStory(options: StoryOptions): void {
  describe(options.title, { skip: options.skip }, () => story(options));
}

function story(options: StoryOptions): void {
  const alice = { username: 'alice', password: strongPassword() };
  const bob = { username: 'bob', password: strongPassword() };
  let database: TempDatabase | undefined;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let attacker: AttackerSite | undefined;
  const contexts: BrowserContext[] = [];
  let origin = '';
  // Alice uses two browsers (to watch one be signed out from the other); Bob one.
  let aliceMain: Page;
  let aliceSecond: Page;
  let bobPage: Page;
  const screenshot = async (page: Page, name: string) => {
    if (options.screenshots) await takeScreenshot(page, name);
  };

  async function newPage(viewport = DESKTOP): Promise<Page> {
    const context = await browser!.newContext({ viewport, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
    context.setDefaultTimeout(PAGE_TIMEOUT_MS);
    context.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
    contexts.push(context);
    return context.newPage();
  }

  before(
    async () => {
      // allSettled, not all: when one fails, `after` must still find and stop the others.
      const started = await Promise.allSettled([
        (async () => {
          database = await options.database?.();
          server = await startServer(database ? { DATABASE_URL: database.url } : {});
        })(),
        launchChromium().then((b) => (browser = b)),
        startAttackerSite().then((a) => (attacker = a)),
      ]);
      for (const result of started) if (result.status === 'rejected') throw result.reason;
      origin = server!.origin;
    },
    { timeout: 60_000 },
  );

  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await attacker?.close();
    await server?.stop();
    await database?.drop();
  });

  it('serves the landing page at / and at /index, and the sign-in and sign-up pages', { timeout: STEP_TIMEOUT_MS }, async () => {
    const page = await newPage();
    for (const path of ['/', '/index']) {
      const res = await page.goto(`${origin}${path}`);
      assert.equal(res?.status(), 200, `${path} answers 200`);
      assert.equal(await page.locator('#hero-title').textContent(), 'Banking that adds up.');
      assert.equal(await page.getByTestId('hero-signup').getAttribute('href'), '/signup');
    }
    await screenshot(page, 'landing');
    for (const path of ['/signup', '/login']) {
      const res = await page.goto(`${origin}${path}`);
      assert.equal(res?.status(), 200, `${path} answers 200`);
      await screenshot(page, path.slice(1));
    }
    await page.context().close();
  });

  it('signs up two people in two separate browsers, each with an empty account', { timeout: STEP_TIMEOUT_MS }, async () => {
    [aliceMain, bobPage] = await Promise.all([newPage(), newPage()]);
    await signUp(aliceMain, origin, alice.username, alice.password);
    await signUp(bobPage, origin, bob.username, bob.password);
    assert.equal(await balanceText(aliceMain), '$0.00');
    assert.equal(await balanceText(bobPage), '$0.00');
    assert.equal((await aliceMain.getByTestId('signed-in-user').textContent())?.includes('alice'), true);
    assert.equal((await bobPage.getByTestId('signed-in-user').textContent())?.includes('bob'), true);
  });

  it('adds money typed the way people write it, with grouping and cents', { timeout: STEP_TIMEOUT_MS }, async () => {
    await loadsNewPage(aliceMain, () => aliceMain.click('#nav-deposit'));
    assert.equal(pathOf(aliceMain), '/deposit');
    await aliceMain.fill('#amount', '1,250.50');
    await aliceMain.fill('#memo', 'Salary');
    await screenshot(aliceMain, 'deposit');
    await submit(aliceMain, aliceMain.getByTestId('deposit-submit'));
    assert.equal(pathOf(aliceMain), '/dashboard');
    await assertFlash(aliceMain, /\$1,250\.50/);
    assert.equal(await balanceText(aliceMain), '$1,250.50');
  });

  it('sends money only after a review step that names the payee', { timeout: STEP_TIMEOUT_MS }, async () => {
    await loadsNewPage(aliceMain, () => aliceMain.click('#nav-transfer'));
    await aliceMain.fill('#to', 'bob');
    await aliceMain.fill('#amount', '250.25');
    await aliceMain.fill('#memo', MEMO);
    await submit(aliceMain, aliceMain.getByTestId('transfer-review'));

    // The review page: nothing has moved yet, and it says who gets the money.
    assert.equal((await aliceMain.getByTestId('review-payee').textContent())?.trim(), 'bob');
    assert.equal((await aliceMain.getByTestId('review-amount').textContent())?.trim(), '$250.25');
    assert.equal(await aliceMain.getByTestId('review-memo').textContent(), MEMO, 'the memo is shown as text, not markup');
    assert.equal((await accountState(origin, bob.username, bob.password)).balanceMinor, 0, 'no money moves at the review step');
    await screenshot(aliceMain, 'transfer-review');

    await submit(aliceMain, aliceMain.getByTestId('transfer-confirm'));
    assert.equal(pathOf(aliceMain), '/dashboard');
    await assertFlash(aliceMain, /Sent \$250\.25 to bob/);
    assert.equal(await balanceText(aliceMain), '$1,000.25');
  });

  it('shows the transfer in both histories, newest first, each row with its running balance', { timeout: STEP_TIMEOUT_MS }, async () => {
    await loadsNewPage(aliceMain, () => aliceMain.click('#nav-transactions'));
    assert.equal(pathOf(aliceMain), '/transactions');
    assert.deepEqual(await historyRows(aliceMain), [
      { description: 'To bob', memo: MEMO, amount: '\u2212$250.25', balance: '$1,000.25' },
      { description: 'Deposit', memo: 'Salary', amount: '+$1,250.50', balance: '$1,250.50' },
    ]);
    await screenshot(aliceMain, 'transactions');

    await bobPage.goto(`${origin}/transactions`);
    assert.deepEqual(await historyRows(bobPage), [{ description: 'From alice', memo: MEMO, amount: '+$250.25', balance: '$250.25' }]);
    assert.equal(await balanceText(bobPage), '$250.25');
  });

  it('draws each balance on the dashboard chart as SVG with a text alternative, also on a 360-pixel phone', { timeout: STEP_TIMEOUT_MS }, async () => {
    // The chart plots each day's closing balance, so today's point is the balance now.
    for (const [page, now] of [
      [aliceMain, '$1,000.25'],
      [bobPage, '$250.25'],
    ] as const) {
      await page.goto(`${origin}/dashboard`);
      const svg = page.locator('[data-testid=balance-chart] svg');
      assert.equal(await svg.getAttribute('role'), 'img');
      const desc = (await svg.locator('desc').textContent()) ?? '';
      assert.ok(desc.includes(`${now} now`), `the chart's description names today's balance: ${desc}`);
      // The line (one point a day, oldest first) starts at zero, 30 days ago, and ends higher today:
      // smaller y is higher in SVG.
      const points = ((await page.getByTestId('balance-chart-line').getAttribute('d')) ?? '').match(/[ML]\s*[\d.]+\s+[\d.]+/g) ?? [];
      assert.ok(points.length >= 30, `the chart has a point per day (${points.length})`);
      const yOf = (point: string) => Number(point.trim().split(/\s+/).pop());
      assert.ok(yOf(points.at(-1)!) < yOf(points[0]!), `today's point is above the starting point: ${points[0]} … ${points.at(-1)}`);
      const tableCells = await page.locator('[data-testid=balance-chart-table] tbody tr:last-child td').allTextContents();
      assert.equal(tableCells[1], now, "the table alternative ends with today's balance");
      // The dashboard's recent list shows the transfer too.
      assert.equal((await historyRows(page))[0]?.memo, MEMO);
    }
    await screenshot(aliceMain, 'dashboard');

    // On a 360-pixel phone the signed-in pages fit the width: wide parts (the menu, the history
    // table) may scroll inside themselves, but the page never scrolls sideways.
    const phone = await newPage(PHONE);
    await phone.context().addCookies(await aliceMain.context().cookies());
    for (const path of ['/dashboard', '/transactions', '/transfer', '/settings']) {
      await phone.goto(`${origin}${path}`);
      assert.equal(pathOf(phone), path);
      const width = await phone.locator('html').evaluate((html) => html.scrollWidth);
      assert.ok(width <= PHONE.width, `${path} fits a ${PHONE.width}-pixel screen without sideways scrolling (content is ${width} px wide)`);
      if (path === '/dashboard') {
        assert.equal(await balanceText(phone), '$1,000.25');
        await screenshot(phone, 'dashboard-phone');
      }
      if (path === '/transactions') await screenshot(phone, 'transactions-phone');
    }
    await phone.context().close();
  });

  it('downloads the history as CSV with a header row, exact decimals and a running balance', { timeout: STEP_TIMEOUT_MS }, async () => {
    await aliceMain.goto(`${origin}/transactions`);
    const [download] = await Promise.all([aliceMain.waitForEvent('download'), aliceMain.getByTestId('download-csv').click()]);
    assert.match(download.suggestedFilename(), /^minibank-\d+-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const [header, ...rows] = parseCsv(text);
    assert.deepEqual(header, ['date', 'transaction_id', 'type', 'direction', 'amount', 'balance', 'currency', 'counterparty', 'counterparty_account', 'memo']);
    const records = rows.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i]])) as Record<string, string>);
    assert.equal(records.length, 2);
    assert.deepEqual(
      records.map((r) => [r.type, r.direction, r.amount, r.balance, r.currency, r.counterparty, r.memo]),
      [
        ['transfer', 'debit', '-250.25', '1000.25', 'USD', 'bob', MEMO],
        ['deposit', 'credit', '1250.50', '1250.50', 'USD', '', 'Salary'],
      ],
    );
    // Oldest to newest, every balance is the one before plus the amount, to the cent.
    let running = 0n;
    for (const r of [...records].reverse()) {
      running += cents(r.amount!);
      assert.equal(cents(r.balance!), running, `running balance after ${r.transaction_id}`);
      assert.match(r.date!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    }
  });

  it('ends the other session of the same person when the password changes, and that browser is signed out', { timeout: STEP_TIMEOUT_MS }, async () => {
    aliceSecond = await newPage();
    await aliceSecond.goto(`${origin}/dashboard`);
    assert.equal(pathOf(aliceSecond), '/login?next=%2Fdashboard', 'a signed-out visit is sent to sign in');
    await signInHere(aliceSecond, alice.username, alice.password);
    assert.equal(pathOf(aliceSecond), '/dashboard', 'and comes back to the dashboard afterwards');

    await aliceMain.goto(`${origin}/settings`);
    assert.equal(await aliceMain.getByTestId('session-row').count(), 2, 'settings lists both of her browsers');
    await screenshot(aliceMain, 'settings');

    const newPassword = strongPassword();
    await aliceMain.fill('#current_password', alice.password);
    await aliceMain.fill('#new_password', newPassword);
    await submit(aliceMain, aliceMain.getByTestId('password-submit'));
    assert.equal(pathOf(aliceMain), '/settings');
    await assertFlash(aliceMain, /Password changed/);
    assert.equal(await aliceMain.getByTestId('session-row').count(), 1);

    // The second browser is out: its next page is the sign-in page, with nothing private on it.
    await aliceSecond.reload();
    assert.equal(pathOf(aliceSecond), '/login?next=%2Fdashboard');
    assert.equal(await aliceSecond.getByTestId('balance').count(), 0);
    // The old password no longer works there; the new one does.
    const refused = await signInHere(aliceSecond, alice.username, alice.password);
    assert.equal(refused?.status(), 401);
    await signInHere(aliceSecond, alice.username, newPassword);
    assert.equal(pathOf(aliceSecond), '/dashboard');
    alice.password = newPassword;

    // The browser that made the change stays signed in.
    await aliceMain.goto(`${origin}/dashboard`);
    assert.equal(await balanceText(aliceMain), '$1,000.25');
  });

  it('signs out only this browser, and the back button afterwards shows nothing private', { timeout: STEP_TIMEOUT_MS }, async () => {
    const res = await aliceSecond.goto(`${origin}/dashboard`);
    assert.match(res?.headers()['cache-control'] ?? '', /no-store/, 'signed-in pages are never stored');
    const balance = await balanceText(aliceSecond);
    assert.equal(balance, '$1,000.25');

    await submit(aliceSecond, aliceSecond.getByTestId('logout'));
    assert.equal(pathOf(aliceSecond), '/login');
    await assertFlash(aliceSecond, /signed out/);

    await aliceSecond.goBack();
    await aliceSecond.waitForLoadState('load');
    const shown = (await aliceSecond.locator('body').textContent()) ?? '';
    assert.equal(await aliceSecond.getByTestId('balance').count(), 0, `after Back the page (${pathOf(aliceSecond)}) must not show a balance`);
    assert.ok(!shown.includes(balance), 'the balance is nowhere on the page after Back');
    assert.match(pathOf(aliceSecond), /^\/login/, 'Back leads to the sign-in page');

    // Her other browser is still signed in: logout ended only this session.
    await aliceMain.reload();
    assert.equal(pathOf(aliceMain), '/dashboard');
    assert.equal(await balanceText(aliceMain), '$1,000.25');
  });

  it('refuses money forms posted from a page on another port and moves nothing', { timeout: STEP_TIMEOUT_MS }, async () => {
    const bobBefore = await accountState(origin, bob.username, bob.password);
    const aliceBefore = await accountState(origin, alice.username, alice.password);
    assert.equal(bobBefore.balanceMinor, 25025);

    const attacks: [string, Record<string, string>][] = [
      ['/deposit', { amount: '500.00', memo: 'free money', idempotency_key: crypto.randomUUID(), _csrf: 'forged' }],
      ['/transfer', { to: 'alice', amount: '100.00', memo: 'gift', step: 'confirm', idempotency_key: crypto.randomUUID() }],
    ];
    for (const [path, fields] of attacks) {
      // Bob is signed in and visits the hostile page, which posts itself to the bank at once.
      const posted = bobPage.waitForResponse((r) => r.url() === `${origin}${path}` && r.request().method() === 'POST');
      await bobPage.goto(attacker!.pageUrl(`${origin}${path}`, fields));
      const res = await posted;
      assert.equal(res.status(), 403, `the forged POST ${path} is refused`);
      await bobPage.waitForURL(`${origin}${path}`);
      await bobPage.waitForLoadState('load');
      assert.equal(await bobPage.getByTestId('error-page').getAttribute('data-status'), '403');
    }

    const bobAfter = await accountState(origin, bob.username, bob.password);
    const aliceAfter = await accountState(origin, alice.username, alice.password);
    assert.deepEqual(bobAfter, bobBefore, "Bob's balance and history are unchanged");
    assert.deepEqual(aliceAfter, aliceBefore, "Alice's balance and history are unchanged");

    // Bob is still signed in and his own, same-site forms still work.
    await bobPage.goto(`${origin}/dashboard`);
    assert.equal(await balanceText(bobPage), '$250.25');
  });
}
