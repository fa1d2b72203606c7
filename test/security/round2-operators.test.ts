/**
 * Issue 15 attacked as an insider would (contract "Operators (round 2)"), on both databases: staff
 * acting on their own accounts (an admin reversing their own withdrawal takes cash back with nobody
 * else looking; an approver approving a reversal that pays them; a staff member frozen by a
 * colleague unfreezing themselves) and a support user issuing a console reset link for an admin.
 * Each refusal is 403 `forbidden` and leaves money, statuses, roles, sessions, tokens and reset
 * links as they were. A manual clock: every TOTP code is for a step nobody used yet.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, ledgerSnapshot, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { operatorSnapshot, staffUser, type StaffUser } from '../operators/staff.js';

type Clock = ReturnType<typeof manualClock>;

const reverse = (h: Harness, admin: StaffUser, clock: Clock, id: string) => {
  clock.advanceSteps(1);
  return h.inject({
    method: 'POST',
    url: `/api/v1/admin/transactions/${id}/reverse`,
    headers: { ...auth(admin), 'mfa-code': codeAt(admin.secret, clock) },
    payload: { reason: 'customer called' },
  });
};

const approve = (h: Harness, admin: StaffUser, clock: Clock, approvalId: string) => {
  clock.advanceSteps(1);
  return h.inject({
    method: 'POST',
    url: `/api/v1/admin/approvals/${approvalId}/approve`,
    headers: { ...auth(admin), 'mfa-code': codeAt(admin.secret, clock) },
  });
};

async function moved(h: Harness, user: TestUser, url: string, payload: object): Promise<string> {
  const res = await h.inject({ method: 'POST', url, headers: auth(user), payload });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().transaction.id as string;
}

/** Money, statuses, roles, sessions, tokens and every reset link. */
async function everything(h: Harness): Promise<string> {
  const resets = await h.app.ctx.storage.db.selectFrom('password_resets').select(['token_hash', 'ended_at', 'used_at']).orderBy('token_hash').execute();
  return JSON.stringify([await ledgerSnapshot(h.app), await operatorSnapshot(h), resets], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

const refusedForbidden = (res: { statusCode: number; json(): { error: { code: string } } }, what: string) =>
  assert.deepEqual([res.statusCode, res.json().error.code], [403, 'forbidden'], what);

for (const dialect of await dialects()) {
  describe(`operators attacked from inside (${dialect})`, () => {
    it('refuses an admin reversing a transaction of their own account, below and above the approval limit, and nothing moves', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { reversalApprovalMinor: 1000 } }, async (h) => {
        const ada = await staffUser(h, 'ada', 'admin', clock);
        await h.deposit(ada, 5000);
        const withdrawal = await moved(h, ada, '/api/v1/withdrawals', { account_id: ada.accountId, amount: 900 });
        const large = await moved(h, ada, '/api/v1/withdrawals', { account_id: ada.accountId, amount: 1500 });
        const before = await everything(h);
        refusedForbidden(await reverse(h, ada, clock, withdrawal), 'her own withdrawal, below the limit');
        refusedForbidden(await reverse(h, ada, clock, large), 'her own withdrawal, above the limit (no approval asked)');
        assert.equal(await everything(h), before);
        assert.equal(await h.balance(ada.accountId), 2600n);
      });
    });

    it('refuses an admin approving a reversal that pays their own account back, and nothing moves', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { reversalApprovalMinor: 1000 } }, async (h) => {
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const grace = await staffUser(h, 'grace', 'admin', clock);
        await h.user('bob');
        await h.deposit(grace, 5000);
        const paid = await moved(h, grace, '/api/v1/transfers', { from_account_id: grace.accountId, to: 'bob', amount: 1500 });
        const asked = await reverse(h, ada, clock, paid);
        assert.equal(asked.statusCode, 202, asked.body);
        const before = await everything(h);
        refusedForbidden(await approve(h, grace, clock, asked.json().approval.id), 'grace approving money back to herself');
        assert.equal(await everything(h), before);
        const queue = await h.inject({ method: 'GET', url: '/api/v1/admin/approvals', headers: auth(ada) });
        assert.deepEqual(
          queue.json().data.map((a: { status: string }) => a.status),
          ['pending'],
        );
      });
    });

    it('refuses staff freezing or unfreezing their own account: frozen by a colleague stays frozen', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const sam = await staffUser(h, 'sam', 'support', clock);
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const frozen = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/accounts/${ada.accountId}/freeze`,
          headers: auth(sam),
          payload: { reason: 'under review' },
        });
        assert.equal(frozen.statusCode, 200, frozen.body);
        const before = await everything(h);
        for (const [who, path] of [
          [ada, 'unfreeze'],
          [ada, 'freeze'],
          [sam, 'freeze'],
        ] as const) {
          const res = await h.inject({
            method: 'POST',
            url: `/api/v1/admin/accounts/${who.accountId}/${path}`,
            headers: auth(who),
            payload: { reason: 'mine' },
          });
          refusedForbidden(res, `${who.username} ${path} own account`);
        }
        assert.equal(await everything(h), before);
        const look = await h.inject({ method: 'GET', url: `/api/v1/admin/accounts/${ada.accountId}`, headers: auth(sam) });
        assert.equal(look.json().status, 'frozen');
      });
    });

    it('refuses a support user a console reset link for an admin or another support user, and stores none', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const sam = await staffUser(h, 'sam', 'support', clock);
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const sue = await staffUser(h, 'sue', 'support', clock);
        const alice = await h.user('alice');
        const before = await everything(h);
        for (const target of [ada, sue]) {
          const res = await h.inject({
            method: 'POST',
            url: `/api/v1/admin/users/${target.userId}/password-reset`,
            headers: auth(sam),
            payload: { reason: 'caller says so' },
          });
          refusedForbidden(res, `a link for ${target.username}`);
          assert.doesNotMatch(res.body, /token=/);
        }
        assert.equal(await everything(h), before);
        const forCustomer = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/users/${alice.userId}/password-reset`,
          headers: auth(sam),
          payload: { reason: 'verified at the branch' },
        });
        assert.equal(forCustomer.statusCode, 201, 'a customer still gets one');
      });
    });
  });
}
