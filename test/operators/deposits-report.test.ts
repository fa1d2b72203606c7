/**
 * Issue 15 item 5, the self-service deposits report (/admin/deposits and its CSV), on both
 * databases: who added how much and when, only real deposits (not a withdrawal's reversal, which
 * is stored as a deposit; a reversed deposit is marked), totals per currency over the whole range,
 * a date range in whole UTC days, 50 a page, and a CSV whose usernames and memos cannot become
 * formulas in a spreadsheet. Every view is an audited look.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listSecurityEvents } from '../../src/app/security-events.js';
import { auth, dialects, PASSWORD, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { staffBrowser, staffUser } from '../helpers/staff.js';

const DAY_MS = 86_400_000;

const api = async (h: Harness, user: TestUser, url: string, payload: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const res = await h.inject({ method: 'POST', url, headers: { ...auth(user), ...headers }, payload });
  assert.ok(res.statusCode < 300, res.body);
  return res.json();
};

const deposit = async (h: Harness, user: TestUser, amount: number, memo?: string, accountId = user.accountId): Promise<string> =>
  (await api(h, user, '/api/v1/deposits', { account_id: accountId, amount, ...(memo ? { memo } : {}) })).transaction.id as string;

/** `user` with a new token (the clock moves days here; tokens do not live that long). */
async function fresh(h: Harness, user: TestUser): Promise<TestUser> {
  const res = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: user.username, password: PASSWORD } });
  assert.equal(res.statusCode, 200, res.body);
  return { ...user, token: res.json().access_token as string };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

for (const dialect of await dialects()) {
  describe(`the deposits report (${dialect})`, () => {
    it('lists who added how much and when, with totals per currency, a date range, and only real deposits', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const day1 = clock.nowMs();
        let alice = await h.user('alice');
        let bob = await h.user('-bob');
        const eur = (await api(h, bob, '/api/v1/accounts', { currency: 'EUR', name: 'Euros' })).id as string;
        await deposit(h, alice, 1_250, 'salary');
        clock.advanceMs(2 * DAY_MS);
        const day3 = clock.nowMs();
        [alice, bob] = [await fresh(h, alice), await fresh(h, bob)];
        const reversedDeposit = await deposit(h, bob, 700, '=HYPERLINK("http://evil")');
        await deposit(h, bob, 990, undefined, eur);
        const withdrawal = (await api(h, alice, '/api/v1/withdrawals', { account_id: alice.accountId, amount: 250 })).transaction.id as string;
        await api(h, alice, '/api/v1/transfers', { from_account_id: alice.accountId, to: '-bob', amount: 100 });
        clock.advanceMs(2 * DAY_MS);
        await deposit(h, await fresh(h, alice), 5);
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const browser = await staffBrowser(h, ada, clock);
        for (const id of [reversedDeposit, withdrawal]) {
          clock.advanceSteps(1);
          await api(h, ada, `/api/v1/admin/transactions/${id}/reverse`, { reason: 'test' }, { 'mfa-code': codeAt(ada.secret, clock) });
        }

        const all = await browser.get('/admin/deposits');
        assert.equal(all.status, 200);
        assert.match(all.body, /id="admin-nav-deposits" aria-current="page"/);
        const rows = [...all.body.matchAll(/data-testid="deposit-row" data-transaction-id="([^"]+)" data-reversed="(true|false)"/g)];
        assert.equal(rows.length, 4, "four deposits; the withdrawal's reversal is not one");
        assert.deepEqual(
          rows.map((r) => r[2]),
          ['false', 'false', 'true', 'false'],
        );
        assert.equal(rows[2]![1], reversedDeposit);
        const totals = [
          ...all.body.matchAll(
            /data-currency="([A-Z]+)"><td>[A-Z]+<\/td><td class="num" data-testid="deposit-total-count">(\d+)<\/td><td class="num" data-testid="deposit-total-amount">([^<]+)<\/td><td class="num" data-testid="deposit-total-reversed">([^<]+)</g,
          ),
        ];
        assert.deepEqual(
          totals.map((t) => t.slice(1)),
          [
            ['EUR', '1', '€9.90', '€0.00'],
            ['USD', '3', '$19.55', '$7.00'],
          ],
        );
        assert.match(all.body, /=HYPERLINK\(&quot;http:\/\/evil&quot;\)/, 'the memo is shown escaped');

        const middle = await browser.get(`/admin/deposits?from=${isoDay(day3)}&to=${isoDay(day3 + DAY_MS)}`);
        assert.equal([...middle.body.matchAll(/data-testid="deposit-row"/g)].length, 2);
        assert.match(middle.body, /data-currency="USD">.*?\$7\.00<\/td>/s);
        assert.doesNotMatch(middle.body, /\$12\.50/);
        const early = await browser.get(`/admin/deposits?from=${isoDay(day1)}&to=${isoDay(day1)}`);
        assert.equal([...early.body.matchAll(/data-testid="deposit-row"/g)].length, 1);
        assert.match(early.body, /\$12\.50/);

        const bad = await browser.get('/admin/deposits?from=2026-02-30');
        assert.equal(bad.status, 400);
        assert.match(bad.body, /id="from-error"/);

        const looks = (await listSecurityEvents(h.app.ctx, ada.userId)).filter((e) => e.type === 'staff_looked' && e.details?.what === 'deposits');
        assert.equal(looks.length, 3, 'each page viewed is a look');
      });
    });

    it('writes the CSV with the same figures, and no username or memo can become a formula', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('-bob');
        const eve = await h.user('eve');
        await deposit(h, alice, 1_250, 'salary');
        await deposit(h, bob, 700, '=1+2');
        await deposit(h, eve, 42, 'rent;@SUM(A1)');
        // A username from before today's rule (letters, digits, . _ -): stored as it was, it must still be defused.
        await h.app.ctx.storage.db.updateTable('users').set({ username: '=cmd|x' }).where('id', '=', eve.userId).execute();
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const browser = await staffBrowser(h, ada, clock);
        const res = await browser.get(`/admin/deposits.csv?from=${isoDay(clock.nowMs())}`);
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^text\/csv/);
        assert.match(String(res.headers['content-disposition']), /^attachment; filename="minibank-deposits-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv"$/);
        const lines = res.body.split('\r\n');
        assert.equal(lines[0], 'date,transaction_id,username,account_number,amount,currency,reversed,memo');
        assert.equal(lines.length, 5, 'header, three deposits, the final line break');
        assert.match(lines[1]!, new RegExp(`^[0-9T:.-]+Z,[0-9a-f-]+,"'=cmd\\|x",${eve.accountNumber},0\\.42,USD,no,"rent;'@SUM\\(A1\\)"$`));
        assert.match(lines[2]!, new RegExp(`,"'-bob",${bob.accountNumber},7\\.00,USD,no,"'=1\\+2"$`));
        assert.match(lines[3]!, new RegExp(`,"alice",${alice.accountNumber},12\\.50,USD,no,"salary"$`));
      });
    });

    it('pages 50 at a time, newest first, with the totals of the whole range on every page', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        for (let i = 1; i <= 51; i++) {
          await deposit(h, alice, i, `d${i}`);
          clock.advanceMs(1000);
        }
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const browser = await staffBrowser(h, ada, clock);
        const first = await browser.get('/admin/deposits');
        assert.equal([...first.body.matchAll(/data-testid="deposit-row"/g)].length, 50);
        assert.match(first.body, /<td>d51<\/td>/);
        assert.match(first.body, /deposit-total-count">51</);
        assert.match(first.body, /deposit-total-amount">\$13\.26</);
        const older = /href="([^"]+)" class="btn btn-secondary" id="deposits-older"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
        const second = await browser.get(older);
        assert.equal([...second.body.matchAll(/data-testid="deposit-row"/g)].length, 1);
        assert.match(second.body, /<td>d1<\/td>/);
        assert.match(second.body, /deposit-total-count">51</);
        assert.doesNotMatch(second.body, /id="deposits-older"/);
        const gone = await browser.get('/admin/deposits?after=no-such-deposit');
        assert.equal(gone.status, 303);
      });
    });
  });
}
