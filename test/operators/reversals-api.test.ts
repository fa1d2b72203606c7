/**
 * Issue 15 part B through the API, on both databases (contract "Operators (round 2)"): reversals of
 * transfers, deposits and withdrawals, at most once (also in parallel), a payee who spent the money,
 * the reason rule, maker-checker (the maker cannot approve, two approvers at once give one reversal,
 * expiry after 24 hours), who may see approvals, and what verify and the customer's timeline say.
 * A manual clock: every TOTP code is for a step nobody used yet, and no test waits for real time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listSecurityEvents } from '../../src/app/security-events.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { staffUser, type StaffUser } from '../helpers/staff.js';

type Clock = ReturnType<typeof manualClock>;

const transfer = async (h: Harness, from: TestUser, to: string, amount: number): Promise<string> => {
  const res = await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(from), payload: { from_account_id: from.accountId, to, amount } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().transaction.id as string;
};

const move = async (h: Harness, user: TestUser, kind: 'deposits' | 'withdrawals', amount: number): Promise<string> => {
  const res = await h.inject({ method: 'POST', url: `/api/v1/${kind}`, headers: auth(user), payload: { account_id: user.accountId, amount } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().transaction.id as string;
};

/** Reverses with a code for the clock's step (the caller moves the clock on between uses of one secret). */
const reverse = (h: Harness, admin: StaffUser, clock: Clock, id: string, reason: unknown = 'paid the wrong person', code?: string) =>
  h.inject({
    method: 'POST',
    url: `/api/v1/admin/transactions/${id}/reverse`,
    headers: { ...auth(admin), 'mfa-code': code ?? codeAt(admin.secret, clock) },
    payload: { reason },
  });

const approve = (h: Harness, admin: StaffUser, clock: Clock, approvalId: string) =>
  h.inject({ method: 'POST', url: `/api/v1/admin/approvals/${approvalId}/approve`, headers: { ...auth(admin), 'mfa-code': codeAt(admin.secret, clock) } });

const history = async (h: Harness, user: TestUser) =>
  (await h.inject({ method: 'GET', url: `/api/v1/accounts/${user.accountId}/transactions`, headers: auth(user) })).json().data as {
    id: string;
    type: string;
    direction: string;
    amount: number;
  }[];

/** A fresh token for `staff` (password and the clock's code). */
async function signIn(h: Harness, staff: StaffUser, clock: Clock): Promise<string> {
  const res = await h.inject({
    method: 'POST',
    url: '/api/v1/auth/token',
    payload: { username: staff.username, password: PASSWORD, otp: codeAt(staff.secret, clock) },
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token as string;
}

async function assertBooksSound(h: Harness): Promise<void> {
  const report = await verifyBooks(h.app.ctx.storage.db);
  assert.deepEqual(report.problems, []);
}

/** A bank with alice (1000), bob, and two admins, the clock one step past their enrolment. */
async function bank(h: Harness, clock: Clock) {
  const alice = await h.user('alice');
  await h.deposit(alice, 1000);
  const bob = await h.user('bob');
  const admin = await staffUser(h, 'ada', 'admin', clock);
  const admin2 = await staffUser(h, 'grace', 'admin', clock);
  clock.advanceSteps(1);
  return { alice, bob, admin, admin2 };
}

for (const dialect of await dialects()) {
  describe(`reversals through the API (${dialect})`, () => {
    it('reverses a transfer: the payee pays the payer back, both see a reversal by bank staff, and the books verify', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, bob, admin } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 300);
        const res = await reverse(h, admin, clock, original);
        assert.equal(res.statusCode, 201, res.body);
        const txn = res.json().transaction;
        assert.equal(txn.type, 'reversal');
        assert.equal(txn.amount, 300);
        assert.equal(txn.direction, 'debit');
        assert.equal(txn.balance_after, 0);
        assert.deepEqual(txn.counterparty, { username: 'alice', account_number: alice.accountNumber });
        assert.equal(await h.balance(alice.accountId), 1000n);
        assert.equal(await h.balance(bob.accountId), 0n);
        assert.deepEqual((await history(h, bob))[0], { ...(await history(h, bob))[0], id: txn.id, type: 'reversal', direction: 'debit', amount: 300 });
        assert.deepEqual((await history(h, alice))[0], { ...(await history(h, alice))[0], id: txn.id, type: 'reversal', direction: 'credit', amount: 300 });
        for (const customer of [alice, bob]) {
          const notices = (await listSecurityEvents(h.app.ctx, customer.userId)).filter((e) => e.type === 'transaction_reversed_by_staff');
          assert.equal(notices.length, 1);
          assert.equal(notices[0]!.details?.by, 'bank staff');
          assert.ok(
            !JSON.stringify(notices[0]!.details).includes('ada') && !JSON.stringify(notices[0]!.details).includes(admin.userId),
            'the customer never sees who',
          );
        }
        assert.ok((await listSecurityEvents(h.app.ctx, admin.userId)).some((e) => e.type === 'staff_reversed_transaction'));
        await assertBooksSound(h);
      });
    });

    it('reverses a deposit (taken back from the account) and a withdrawal (given back to it)', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, admin } = await bank(h, clock);
        const deposit = await move(h, alice, 'deposits', 250);
        const withdrawal = await move(h, alice, 'withdrawals', 100);
        assert.equal(await h.balance(alice.accountId), 1150n);
        const undoDeposit = await reverse(h, admin, clock, deposit);
        assert.equal(undoDeposit.statusCode, 201, undoDeposit.body);
        assert.deepEqual([undoDeposit.json().transaction.type, undoDeposit.json().transaction.direction], ['reversal', 'debit']);
        clock.advanceSteps(1);
        const undoWithdrawal = await reverse(h, admin, clock, withdrawal);
        assert.equal(undoWithdrawal.statusCode, 201, undoWithdrawal.body);
        assert.deepEqual([undoWithdrawal.json().transaction.type, undoWithdrawal.json().transaction.direction], ['reversal', 'credit']);
        assert.equal(await h.balance(alice.accountId), 1000n);
        await assertBooksSound(h);
      });
    });

    it('reverses each transaction at most once, refuses to reverse a reversal, and refuses an unknown one', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, admin } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 300);
        const first = await reverse(h, admin, clock, original);
        assert.equal(first.statusCode, 201, first.body);
        const before = await ledgerSnapshot(h.app);
        clock.advanceSteps(1);
        const again = await reverse(h, admin, clock, original);
        assert.equal(again.statusCode, 409, again.body);
        assert.equal(again.json().error.code, 'already_reversed');
        clock.advanceSteps(1);
        const ofReversal = await reverse(h, admin, clock, first.json().transaction.id);
        assert.equal(ofReversal.statusCode, 400, ofReversal.body);
        clock.advanceSteps(1);
        const unknown = await reverse(h, admin, clock, 'no-such-transaction');
        assert.equal(unknown.statusCode, 404, unknown.body);
        assert.equal(await ledgerSnapshot(h.app), before);
      });
    });

    it('lets only one of two admins reversing the same transaction at once succeed', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, bob, admin, admin2 } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 300);
        const results = await Promise.all([reverse(h, admin, clock, original), reverse(h, admin2, clock, original)]);
        assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409], results.map((r) => r.body).join('\n'));
        assert.equal(await h.balance(alice.accountId), 1000n);
        assert.equal(await h.balance(bob.accountId), 0n);
        await assertBooksSound(h);
      });
    });

    it('refuses to reverse a transfer whose payee has spent the money (422), and nothing moves', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, bob, admin } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 300);
        await move(h, bob, 'withdrawals', 250);
        const before = await ledgerSnapshot(h.app);
        const res = await reverse(h, admin, clock, original);
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().error.code, 'insufficient_funds');
        assert.equal(await ledgerSnapshot(h.app), before);
        // Not spent for good: once bob has the money again, the reversal goes through.
        await h.deposit(bob, 250);
        clock.advanceSteps(1);
        assert.equal((await reverse(h, admin, clock, original)).statusCode, 201);
      });
    });

    it('refuses a reason that is empty, too long or holds control characters (400 reason), and nothing changes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, admin } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 300);
        const before = await ledgerSnapshot(h.app);
        for (const reason of ['', '   ', 'x'.repeat(501), 'line\nbreak', 'bell\u0007', 'bidi\u202e']) {
          const res = await reverse(h, admin, clock, original, reason);
          assert.equal(res.statusCode, 400, `${JSON.stringify(reason)}: ${res.body}`);
          assert.equal(res.json().error.param, 'reason');
        }
        assert.equal(await ledgerSnapshot(h.app), before);
        assert.equal((await reverse(h, admin, clock, original, 'x'.repeat(500))).statusCode, 201, 'the same code was not used up by the refusals');
      });
    });

    it('refuses a support user, a customer and an admin without a fresh code, and nothing changes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { alice, admin } = await bank(h, clock);
        const support = await staffUser(h, 'sam', 'support', clock);
        clock.advanceSteps(1);
        const original = await transfer(h, alice, 'bob', 300);
        const before = await ledgerSnapshot(h.app);
        const bySupport = await reverse(h, support, clock, original);
        assert.deepEqual([bySupport.statusCode, bySupport.json().error.code], [403, 'forbidden']);
        const byCustomer = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/transactions/${original}/reverse`,
          headers: auth(alice),
          payload: { reason: 'mine' },
        });
        assert.deepEqual([byCustomer.statusCode, byCustomer.json().error.code], [403, 'forbidden']);
        for (const code of ['', '000000', 'not-a-code']) {
          const res = await reverse(h, admin, clock, original, 'wrong payee', code);
          assert.deepEqual([res.statusCode, res.json().error.code], [403, 'step_up_required'], `code ${JSON.stringify(code)}`);
        }
        assert.equal(await ledgerSnapshot(h.app), before);
      });
    });

    it('makes a large reversal wait for a second admin: the maker cannot approve, another admin can, once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { reversalApprovalMinor: 500 } }, async (h) => {
        const { alice, bob, admin, admin2 } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 600);
        const asked = await reverse(h, admin, clock, original);
        assert.equal(asked.statusCode, 202, asked.body);
        const approval = asked.json().approval;
        assert.deepEqual([approval.status, approval.transaction_id, approval.amount, approval.requested_by], ['pending', original, 600, 'ada']);
        assert.equal(await h.balance(bob.accountId), 600n, 'nothing moves before the approval');
        clock.advanceSteps(1);
        const pendingAgain = await reverse(h, admin2, clock, original);
        assert.deepEqual([pendingAgain.statusCode, pendingAgain.json().error.code], [409, 'already_reversed']);
        const before = await ledgerSnapshot(h.app);
        const byMaker = await approve(h, admin, clock, approval.id);
        assert.deepEqual([byMaker.statusCode, byMaker.json().error.code], [403, 'forbidden']);
        assert.equal(await ledgerSnapshot(h.app), before);
        clock.advanceSteps(1);
        const approved = await approve(h, admin2, clock, approval.id);
        assert.equal(approved.statusCode, 201, approved.body);
        assert.equal(approved.json().transaction.type, 'reversal');
        assert.equal(await h.balance(bob.accountId), 0n);
        assert.equal(await h.balance(alice.accountId), 1000n);
        const queue = await h.inject({ method: 'GET', url: '/api/v1/admin/approvals?status=all', headers: auth(admin) });
        assert.deepEqual(
          queue.json().data.map((a: { status: string; approved_by: string; reversal_id: string }) => [a.status, a.approved_by, a.reversal_id]),
          [['approved', 'grace', approved.json().transaction.id]],
        );
        clock.advanceSteps(1);
        const twice = await approve(h, admin2, clock, approval.id);
        assert.deepEqual([twice.statusCode, twice.json().error.code], [409, 'approval_not_pending']);
        await assertBooksSound(h);
      });
    });

    it('gives one reversal when two admins approve the same approval at once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { reversalApprovalMinor: 500 } }, async (h) => {
        const { alice, bob, admin, admin2 } = await bank(h, clock);
        const admin3 = await staffUser(h, 'hedy', 'admin', clock);
        clock.advanceSteps(1);
        const original = await transfer(h, alice, 'bob', 600);
        const approval = (await reverse(h, admin, clock, original)).json().approval;
        const results = await Promise.all([approve(h, admin2, clock, approval.id), approve(h, admin3, clock, approval.id)]);
        assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409], results.map((r) => r.body).join('\n'));
        assert.equal(await h.balance(bob.accountId), 0n);
        assert.equal(await h.balance(alice.accountId), 1000n);
        await assertBooksSound(h);
      });
    });

    it('expires an approval after 24 hours (409 approval_not_pending), after which a new request may be made', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { reversalApprovalMinor: 500 } }, async (h) => {
        const { alice, admin, admin2 } = await bank(h, clock);
        const original = await transfer(h, alice, 'bob', 600);
        const approval = (await reverse(h, admin, clock, original)).json().approval;
        clock.advanceMs(24 * 60 * 60 * 1000);
        // Their tokens have long expired too: both sign in again (with a code, as staff must).
        for (const staff of [admin, admin2]) staff.token = await signIn(h, staff, clock);
        clock.advanceSteps(1);
        const before = await ledgerSnapshot(h.app);
        const late = await approve(h, admin2, clock, approval.id);
        assert.deepEqual([late.statusCode, late.json().error.code], [409, 'approval_not_pending']);
        assert.equal(await ledgerSnapshot(h.app), before);
        const read = await h.inject({ method: 'GET', url: `/api/v1/admin/approvals/${approval.id}`, headers: auth(admin) });
        assert.equal(read.json().status, 'expired');
        const pending = await h.inject({ method: 'GET', url: '/api/v1/admin/approvals', headers: auth(admin) });
        assert.deepEqual(pending.json().data, []);
        const again = await reverse(h, admin, clock, original);
        assert.equal(again.statusCode, 202, again.body);
        assert.notEqual(again.json().approval.id, approval.id);
      });
    });

    it('shows approvals only to admins: support staff and customers get 403 and cannot approve', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { reversalApprovalMinor: 500 } }, async (h) => {
        const { alice, bob, admin } = await bank(h, clock);
        const support = await staffUser(h, 'sam', 'support', clock);
        clock.advanceSteps(1);
        const original = await transfer(h, alice, 'bob', 600);
        const approval = (await reverse(h, admin, clock, original)).json().approval;
        const before = await ledgerSnapshot(h.app);
        for (const who of [support, bob, alice]) {
          for (const [method, url] of [
            ['GET', '/api/v1/admin/approvals'],
            ['GET', `/api/v1/admin/approvals/${approval.id}`],
            ['POST', `/api/v1/admin/approvals/${approval.id}/approve`],
          ] as const) {
            const res = await h.inject({ method, url, headers: auth(who) });
            assert.deepEqual([res.statusCode, res.json().error.code], [403, 'forbidden'], `${who.username} ${method} ${url}`);
          }
        }
        assert.equal(await ledgerSnapshot(h.app), before);
        const unknown = await h.inject({ method: 'GET', url: '/api/v1/admin/approvals/not-an-approval', headers: auth(admin) });
        assert.equal(unknown.statusCode, 404);
      });
    });
  });
}
