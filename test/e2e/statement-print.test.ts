/**
 * The statement page in real Chromium (issue 16 item 3): it prints without the site's navigation on
 * A4 and on Letter, every column inside the paper's printable width, and its PDF renders. Takes the
 * README's pictures (UPDATE_DOCS_SCREENSHOTS=1): the page, its print view, and the PDF's first page
 * rendered to PNG by pdftoppm (poppler-utils) when that is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { signUp } from './pages.js';
import { ARTIFACT_DIR, DOCS_DIR, screenshot } from './screenshots.js';

const PASSWORD = 'statements print on any paper 77';
const PAGE_TIMEOUT_MS = 30_000;
/** Printable widths in CSS px (96 per inch) with the 14 mm side margins of app.css's @page. */
const PRINTABLE_PX = { A4: ((210 - 28) / 25.4) * 96, Letter: ((215.9 - 28) / 25.4) * 96 };

async function api(origin: string, method: string, url: string, token: string | null, body?: object): Promise<Record<string, unknown>> {
  const res = await fetch(`${origin}/api/v1${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), 'idempotency-key': crypto.randomUUID() },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function tokenOf(origin: string, username: string): Promise<string> {
  return (await api(origin, 'POST', '/auth/token', null, { username, password: PASSWORD })).access_token as string;
}

/** The widest right edge of anything inside the statement, in CSS px. */
const statementRight = (page: Page) =>
  page.locator('[data-testid=statement]').evaluate((el) => Math.max(...[el, ...el.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)));

describe('the statement page in Chromium', { skip: chromiumSkipReason() }, () => {
  const suite = chromiumSuite();
  let page: Page;
  let statementUrl = '';

  before(
    async () => {
      const origin = suite.server.origin;
      const context = await suite.newContext({ width: 1100, height: 900 });
      context.setDefaultTimeout(PAGE_TIMEOUT_MS);
      page = await context.newPage();
      await signUp(page, origin, 'harriet', PASSWORD);
      await api(origin, 'POST', '/signup', null, { username: 'ingrid', password: PASSWORD });
      const [harriet, ingrid] = [await tokenOf(origin, 'harriet'), await tokenOf(origin, 'ingrid')];
      const me = (await api(origin, 'GET', '/me', harriet)) as { accounts: { id: string }[] };
      const ingridMe = (await api(origin, 'GET', '/me', ingrid)) as { accounts: { id: string }[] };
      const account = me.accounts[0]!.id;
      await api(origin, 'POST', '/deposits', harriet, { account_id: account, amount: 250_000, memo: 'Salary' });
      await api(origin, 'POST', '/deposits', ingrid, { account_id: ingridMe.accounts[0]!.id, amount: 90_000 });
      await api(origin, 'POST', '/transfers', harriet, { from_account_id: account, to: 'ingrid', amount: 82_500, memo: 'Rent' });
      await api(origin, 'POST', '/transfers', ingrid, { from_account_id: ingridMe.accounts[0]!.id, to: 'harriet', amount: 4_250, memo: 'Dinner, split' });
      await api(origin, 'POST', '/withdrawals', harriet, { account_id: account, amount: 12_000, memo: 'Cash machine' });
      const month = new Date().toISOString().slice(0, 7);
      statementUrl = `${origin}/statements/${account}/${month}`;
    },
    { timeout: 120_000 },
  );

  it('shows the statement with its figures on screen', { timeout: 60_000 }, async () => {
    await page.goto(statementUrl);
    assert.equal((await page.getByTestId('statement-closing').textContent())?.trim(), '$1,597.50');
    assert.equal(await page.getByTestId('transaction-row').count(), 4);
    assert.ok(await page.locator('.site-header').isVisible());
    await screenshot(page, 'statement');
  });

  it('prints without navigation, inside the printable width of A4 and Letter', { timeout: 60_000 }, async () => {
    await page.goto(statementUrl);
    await page.emulateMedia({ media: 'print' });
    try {
      for (const selector of ['.site-header', '.site-footer', '.statement-actions']) {
        assert.equal(await page.locator(selector).isVisible(), false, `${selector} is not printed`);
      }
      for (const [paper, width] of Object.entries(PRINTABLE_PX)) {
        await page.setViewportSize({ width: Math.floor(width), height: 1000 });
        const right = await statementRight(page);
        assert.ok(right <= width + 1, `${paper}: the statement reaches ${right}px of ${width}px`);
        const pdf = await page.pdf({ format: paper, preferCSSPageSize: true });
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
        assert.equal((pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length, 1, `${paper}: one page for four transactions`);
      }
      await page.setViewportSize({ width: Math.floor(PRINTABLE_PX.A4), height: 1000 });
      await screenshot(page, 'statement-print');
    } finally {
      await page.emulateMedia({ media: 'screen' });
      await page.setViewportSize({ width: 1100, height: 900 });
    }
  });

  it(
    "renders the PDF's first page to PNG with pdftoppm",
    // CI installs poppler-utils (.ci/run), so there the render must run; elsewhere it may be missing.
    { timeout: 60_000, skip: !process.env.CI && spawnSync('pdftoppm', ['-v']).error ? 'pdftoppm (poppler-utils) is not installed' : false },
    async () => {
      await page.goto(statementUrl);
      const download = await page.request.get(`${statementUrl}/statement.pdf`);
      assert.equal(download.status(), 200);
      fs.mkdirSync(ARTIFACT_DIR, { recursive: true });
      const pdfFile = path.join(ARTIFACT_DIR, 'statement.pdf');
      fs.writeFileSync(pdfFile, await download.body());
      const prefix = path.join(ARTIFACT_DIR, 'statement-pdf');
      const run = spawnSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdfFile, prefix], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const png = fs.readFileSync(`${prefix}.png`);
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') {
        fs.mkdirSync(DOCS_DIR, { recursive: true });
        fs.copyFileSync(`${prefix}.png`, path.join(DOCS_DIR, 'statement-pdf.png'));
      }
    },
  );
});
