/**
 * Statements on the web pages (issue 16 item 3), on every dialect: the month list, the statement
 * page with its figures and print style, the PDF (it parses and carries the closing balance) and the
 * signed JSON download (verifies offline); another user's account is a 404 page and a future or
 * malformed month a 400 page, each changing nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { statementFileProblems } from '../../src/cli/commands/verify-statement.js';
import { statementPdf } from '../../src/http/pages/statement-pdf.js';
import { statementPageView } from '../../src/http/pages/statement-view.js';
import { signedStatement } from '../../src/http/statement-document.js';
import { parseKeyText } from '../../src/services/statement-signature.js';
import { createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { manualClock, signedIn, type Browser } from './browser.js';

const text = (body: string) => body.replace(/\u00a0/g, ' ');
const testid = (body: string, id: string) => [...text(body).matchAll(new RegExp(`data-testid="${id}"[^>]*>([^<]*)<`, 'g'))].map((m) => m[1]);

/**
 * The text an uncompressed pdfkit file shows: each TJ array's hex strings (WinAnsi codes of the
 * standard fonts) joined, one line per TJ. Enough to find a figure, not a general PDF reader.
 */
export function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const lines: string[] = [];
  for (const tj of source.matchAll(/\[((?:<[0-9a-fA-F]*>|\s|-?[\d.]+)*)\]\s*TJ/g)) {
    lines.push([...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''));
  }
  return lines.join('\n');
}

for (const dialect of await dialects()) {
  describe(`statement pages (${dialect})`, () => {
    let h: Harness;
    let browser: Browser;
    let accountId: string;
    let userId: string;
    const clock = manualClock(Date.UTC(2025, 2, 10, 12));

    before(async () => {
      h = await createHarness(dialect, { clock });
      const signed = await signedIn(h, 'stella');
      browser = signed.browser;
      accountId = signed.user.accountId;
      userId = signed.user.userId;
      await h.deposit(signed.user, 123_456);
      await h.user('mallory');
    });
    after(() => h.close());

    it('lists the current month as interim and links to its statement', async () => {
      assert.match((await browser.get('/transactions')).body, /<a href="\/statements"[^>]*id="see-statements"/, 'reached from the history page');
      const page = await browser.get('/statements');
      assert.equal(page.status, 200);
      assert.match(
        page.body,
        /data-month="2025-03"><a href="\/statements\/[^"]+\/2025-03">March 2025<\/a> <span class="badge" data-testid="statement-interim">interim<\/span>/,
      );
    });

    it('shows the figures, marks the month interim and links the PDF and the JSON', async () => {
      const page = await browser.get(`/statements/${accountId}/2025-03`);
      assert.equal(page.status, 200);
      assert.deepEqual(testid(page.body, 'statement-opening'), ['$0.00']);
      assert.deepEqual(testid(page.body, 'statement-credits'), ['$1,234.56']);
      assert.deepEqual(testid(page.body, 'statement-closing'), ['$1,234.56']);
      assert.deepEqual(testid(page.body, 'transaction-balance'), ['$1,234.56']);
      assert.match(page.body, /data-testid="statement-interim"/);
      assert.match(page.body, /class="statement-actions no-print"/, 'the links are not printed');
      assert.match(page.body, new RegExp(`href="/statements/${accountId}/2025-03/statement.pdf"`));
      assert.match(page.body, new RegExp(`href="/statements/${accountId}/2025-03/statement.json"`));
    });

    it('serves a PDF that parses and carries the closing balance', async () => {
      const res = await browser.get(`/statements/${accountId}/2025-03/statement.pdf`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/pdf');
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="minibank-statement-\d+-2025-03\.pdf"$/);
      const bytes = res.res.rawPayload;
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.match(bytes.subarray(-8).toString('latin1'), /%%EOF\s*$/);
      assert.match(bytes.toString('latin1'), /\/Type \/Catalog/);
      // The same statement uncompressed, to read its text.
      const signed = await signedStatement(h.app.ctx, userId, accountId, '2025-03');
      const shown = pdfText(await statementPdf(statementPageView(signed.data, signed.json), { compress: false }));
      assert.match(shown, /Closing balance/);
      assert.match(shown, /\$1,234\.56/);
      assert.match(shown, /Interim statement/);
      assert.doesNotMatch(shown, /\$9,999\.99/, 'the reader is not just matching anything');
    });

    it('offers the signed JSON, which verifies offline', async () => {
      const res = await browser.get(`/statements/${accountId}/2025-03/statement.json`);
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-disposition']), /filename="minibank-statement-\d+-2025-03\.json"/);
      const keys = parseKeyText((await h.inject({ method: 'GET', url: '/.well-known/minibank/statement-key' })).body);
      assert.deepEqual(statementFileProblems(res.body, keys), []);
      assert.equal(JSON.parse(res.body).closing_balance, 123_456);
    });

    it("answers another user's account with a 404 page and a future or malformed month with a 400 page, changing nothing", async () => {
      const mallory = await h.app.ctx.storage.db
        .selectFrom('accounts as a')
        .innerJoin('users as u', 'u.id', 'a.user_id')
        .select('a.id')
        .where('u.username', '=', 'mallory')
        .executeTakeFirstOrThrow();
      const snapshot = await ledgerSnapshot(h.app);
      for (const suffix of ['', '/statement.pdf', '/statement.json']) {
        const res = await browser.get(`/statements/${mallory.id}/2025-03${suffix}`);
        assert.equal(res.status, 404, suffix);
        assert.doesNotMatch(res.body, /mallory/);
      }
      for (const month of ['2025-04', '2025-13', 'march']) {
        assert.equal((await browser.get(`/statements/${accountId}/${month}`)).status, 400, month);
      }
      assert.equal(await ledgerSnapshot(h.app), snapshot);
    });
  });
}
