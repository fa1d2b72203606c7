/**
 * Issue 15 part B in the console (/admin pages), on both databases: an admin reverses a payment
 * from the transaction's page (below REVERSAL_APPROVAL_MINOR at once; from it on, it waits in the
 * approval queue), the maker cannot approve their own (a friendly 403), a second admin approves
 * once and only once, the friendly refusals (no code, a bad reason, already reversed, no longer
 * pending, the payee spent the money) change nothing, and support staff get 403 on every one of
 * these pages. A manual clock: every TOTP code is for a step nobody used yet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, dialects, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { operatorSnapshot, staffBrowser, staffUser } from '../helpers/staff.js';

type Clock = ReturnType<typeof manualClock>;

const transfer = async (h: Harness, from: TestUser, to: string, amount: number): Promise<string> => {
  const res = await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(from), payload: { from_account_id: from.accountId, to, amount } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().transaction.id as string;
};

/** Everything a refused reversal or approval must leave as it was, approvals included. */
async function snapshot(h: Harness): Promise<string> {
  const approvals = await h.app.ctx.storage.db.selectFrom('reversal_approvals').select(['id', 'status', 'reversal_id']).orderBy('id').execute();
  return (await operatorSnapshot(h)) + JSON.stringify(approvals);
}

const reversalsOf = async (h: Harness, id: string) =>
  (await h.app.ctx.storage.db.selectFrom('ledger_transactions').select('id').where('reversal_of', '=', id).execute()).length;

/** alice (with `funds`), bob, and two admins signed in to the console; the clock one step past every code used. */
async function bank(h: Harness, clock: Clock, funds: number) {
  const alice = await h.user('alice');
  await h.deposit(alice, funds);
  const bob = await h.user('bob');
  const ada = await staffUser(h, 'ada', 'admin', clock);
  const grace = await staffUser(h, 'grace', 'admin', clock);
  const adaBrowser = await staffBrowser(h, ada, clock);
  const graceBrowser = await staffBrowser(h, grace, clock);
  clock.advanceSteps(1);
  return { alice, bob, ada, grace, adaBrowser, graceBrowser };
}

for (const dialect of await dialects()) {
  describe(`reversals in the console (${dialect})`, () => {
    it('reverses a small payment at once from its page, after refusing a missing code and an empty reason, and never twice', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, bob, ada, adaBrowser } = await bank(h, clock, 50_000);
        const id = await transfer(h, alice, 'bob', 30_000);
        const account = await adaBrowser.get(`/admin/accounts/${alice.accountId}`);
        assert.match(account.body, new RegExp(`href="/admin/transactions/${id}" data-testid="admin-transaction-link"`));
        const page = await adaBrowser.get(`/admin/transactions/${id}`);
        assert.equal(page.status, 200);
        assert.match(page.body, /id="reverse-form"/);
        assert.match(page.body, /posted at once/);

        const before = await snapshot(h);
        const noCode = await adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'paid the wrong person', mfa_code: '' });
        assert.equal(noCode.status, 403);
        assert.match(noCode.body, /id="mfa_code-error"/);
        const noReason = await adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: ' ', mfa_code: codeAt(ada.secret, clock) });
        assert.equal(noReason.status, 400);
        assert.match(noReason.body, /id="reason-error"/);
        assert.equal(await snapshot(h), before, 'refusals change nothing');

        clock.advanceSteps(1);
        const done = await adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'paid the wrong person', mfa_code: codeAt(ada.secret, clock) });
        assert.equal(done.status, 303, done.body.slice(0, 400));
        const shown = await adaBrowser.follow(done);
        assert.match(shown.body, /Reversed: \$300\.00 went back\./);
        assert.match(shown.body, /data-state="reversed"/);
        assert.doesNotMatch(shown.body, /id="reverse-form"/);
        assert.equal(await h.balance(alice.accountId), 50_000n);
        assert.equal(await h.balance(bob.accountId), 0n);

        const reversed = await snapshot(h);
        clock.advanceSteps(1);
        const again = await adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'again', mfa_code: codeAt(ada.secret, clock) });
        assert.equal(again.status, 409);
        assert.match(again.body, /already reversed/);
        assert.equal(await snapshot(h), reversed);
        assert.equal(await reversalsOf(h, id), 1);
        assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
      });
    });

    it('puts a large reversal in the queue; the maker sees it but cannot approve; a second admin approves it once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, bob, ada, grace, adaBrowser, graceBrowser } = await bank(h, clock, 200_000);
        const id = await transfer(h, alice, 'bob', 150_000);
        const page = await adaBrowser.get(`/admin/transactions/${id}`);
        assert.match(page.body, /a second admin must approve/);
        const asked = await adaBrowser.follow(
          adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'bob says <not mine>', mfa_code: codeAt(ada.secret, clock) }),
        );
        assert.match(asked.body, /Waiting for a second admin&#39;s approval/);
        assert.match(asked.body, /data-state="pending"/);
        assert.equal(await h.balance(bob.accountId), 150_000n, 'nothing moves before approval');

        const mine = await adaBrowser.get('/admin/approvals');
        assert.match(mine.body, /data-mine="true"/);
        assert.match(mine.body, /data-testid="approval-mine"/);
        assert.doesNotMatch(mine.body, /data-testid="approve-form"/);
        assert.match(mine.body, /bob says &lt;not mine&gt;/);
        assert.match(mine.body, /\$1,500\.00/);
        const approvalId = /data-approval-id="([^"]+)"/.exec(mine.body)![1]!;

        const before = await snapshot(h);
        clock.advanceSteps(1);
        const own = await adaBrowser.post(`/admin/approvals/${approvalId}/approve`, { mfa_code: codeAt(ada.secret, clock) });
        assert.equal(own.status, 403);
        assert.match(own.body, /another admin must approve it/);
        assert.equal(await snapshot(h), before, "the maker's approval changes nothing");

        const queue = await graceBrowser.get('/admin/approvals');
        assert.match(queue.body, /id="admin-nav-approvals" aria-current="page"/);
        assert.match(queue.body, /data-testid="approve-form"/);
        assert.match(queue.body, /Asked by <span data-testid="approval-maker">ada<\/span>/);
        const approved = await graceBrowser.follow(graceBrowser.post(`/admin/approvals/${approvalId}/approve`, { mfa_code: codeAt(grace.secret, clock) }));
        assert.match(approved.body, /Approved: the reversal of \$1,500\.00 is posted\./);
        assert.match(approved.body, /data-testid="no-approvals"/);
        assert.match(approved.body, /data-status="approved"/);
        assert.equal(await h.balance(alice.accountId), 200_000n);
        assert.equal(await h.balance(bob.accountId), 0n);

        const done = await snapshot(h);
        clock.advanceSteps(1);
        const twice = await graceBrowser.post(`/admin/approvals/${approvalId}/approve`, { mfa_code: codeAt(grace.secret, clock) });
        assert.equal(twice.status, 409);
        assert.match(twice.body, /no longer pending/);
        assert.equal(await snapshot(h), done);
        assert.equal(await reversalsOf(h, id), 1);
        const history = (await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions`, headers: auth(alice) })).json().data;
        assert.equal(history[0].type, 'reversal');
      });
    });

    it('says so when the payee no longer has the money, and moves nothing', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, bob, ada, adaBrowser } = await bank(h, clock, 50_000);
        const id = await transfer(h, alice, 'bob', 40_000);
        await transfer(h, bob, 'alice', 30_000);
        await adaBrowser.get(`/admin/transactions/${id}`);
        const before = await snapshot(h);
        const spent = await adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'mistake', mfa_code: codeAt(ada.secret, clock) });
        assert.equal(spent.status, 422);
        assert.match(spent.body, /no longer holds enough/);
        assert.equal(await snapshot(h), before);
      });
    });

    it('refuses support staff on the reversal, approval and deposits pages and forms (403), and nothing changes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, ada, adaBrowser } = await bank(h, clock, 200_000);
        const id = await transfer(h, alice, 'bob', 150_000);
        await adaBrowser.get(`/admin/transactions/${id}`);
        await adaBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'mistake', mfa_code: codeAt(ada.secret, clock) });
        const approvalId = (await h.app.ctx.storage.db.selectFrom('reversal_approvals').select('id').executeTakeFirstOrThrow()).id;
        const sam = await staffUser(h, 'sam', 'support', clock);
        const samBrowser = await staffBrowser(h, sam, clock);
        clock.advanceSteps(1);
        const before = await snapshot(h);
        for (const url of [`/admin/transactions/${id}`, '/admin/approvals', '/admin/deposits', '/admin/deposits.csv']) {
          const res = await samBrowser.get(url);
          assert.equal(res.status, 403, `GET ${url}`);
          assert.match(res.body, /needs an admin/);
        }
        await samBrowser.get('/admin');
        const code = codeAt(sam.secret, clock);
        assert.equal((await samBrowser.post(`/admin/transactions/${id}/reverse`, { reason: 'mistake', mfa_code: code })).status, 403);
        assert.equal((await samBrowser.post(`/admin/approvals/${approvalId}/approve`, { mfa_code: code })).status, 403);
        assert.equal(await snapshot(h), before);
        const nav = await samBrowser.get('/admin');
        assert.doesNotMatch(nav.body, /admin-nav-approvals|admin-nav-deposits/);
        assert.doesNotMatch((await samBrowser.get(`/admin/accounts/${alice.accountId}`)).body, /admin-transaction-link/);
      });
    });
  });
}
