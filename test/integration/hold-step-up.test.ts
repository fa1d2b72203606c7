/**
 * Step-up on holds (issue 13 with issue 14; contract "Second factor (round 2)": a transfer, hold or
 * request payment of at least STEP_UP_MINOR needs MFA-Code from a user with a second factor), on
 * every dialect. A hold promises money as a transfer moves it, so it asks the same: without a valid
 * current TOTP code, 403 step_up_required and nothing reserved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, ledgerSnapshot, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';

/** The ledger, every hold row and every account's held amount: what a refused hold must leave as it was. */
async function snapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const holds = await db.selectFrom('holds').selectAll().orderBy('id').execute();
  const held = await db.selectFrom('accounts').select(['id', 'held']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify({ holds, held }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const place = (h: Harness, user: TestUser, amount: number, headers: Record<string, string> = {}) =>
  h.inject({ method: 'POST', url: '/api/v1/holds', headers: { ...auth(user), ...headers }, payload: { from_account_id: user.accountId, to: 'bob', amount } });

for (const dialect of await dialects()) {
  describe(`step-up on holds (${dialect})`, () => {
    it('asks a TOTP user for MFA-Code on a hold of STEP_UP_MINOR: missing, wrong, a recovery code or empty is 403 and nothing is reserved; the right code places it once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: 100_000 } }, async (h) => {
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 500_000);
        const { secret, recoveryCodes } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const before = await snapshot(h);
        const attempts: Record<string, string>[] = [{}, { 'mfa-code': codeAt(secret, clock, 4) }, { 'mfa-code': recoveryCodes[0]! }, { 'mfa-code': '' }];
        for (const headers of attempts) {
          const res = await place(h, alice, 100_000, headers);
          assert.equal(res.statusCode, 403, `${JSON.stringify(headers)}: ${res.body}`);
          assert.equal(res.json().error.code, 'step_up_required');
        }
        assert.equal(await snapshot(h), before, 'nothing reserved');
        const ok = await place(h, alice, 100_000, { 'mfa-code': codeAt(secret, clock) });
        assert.equal(ok.statusCode, 201, ok.body);
        assert.equal(ok.json().hold.amount, 100_000);
        assert.equal(ok.json().account.available_balance, 400_000);
        const after = await snapshot(h);
        const reused = await place(h, alice, 100_000, { 'mfa-code': codeAt(secret, clock) });
        assert.equal(reused.statusCode, 403, 'a code confirms one payment only');
        assert.equal(reused.json().error.code, 'step_up_required');
        assert.equal(await snapshot(h), after);
      });
    });

    it('asks nothing below STEP_UP_MINOR, nor of a user without a second factor', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: 100_000 } }, async (h) => {
        const [alice, carol] = [await h.user('alice'), await h.user('carol')];
        await h.user('bob');
        await h.deposit(alice, 500_000);
        await h.deposit(carol, 500_000);
        await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        assert.equal((await place(h, alice, 99_999)).statusCode, 201, 'below the threshold');
        assert.equal((await place(h, carol, 400_000)).statusCode, 201, 'no second factor, no step-up');
      });
    });

    it('replays a large hold for a retry with the same Idempotency-Key without a new code, and reserves once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: 100_000 } }, async (h) => {
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 500_000);
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const first = await place(h, alice, 200_000, { 'mfa-code': codeAt(secret, clock), 'idempotency-key': 'hold-bob-1' });
        assert.equal(first.statusCode, 201, first.body);
        const again = await place(h, alice, 200_000, { 'idempotency-key': 'hold-bob-1' });
        assert.equal(again.statusCode, 201, again.body);
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(again.json().hold.id, first.json().hold.id);
        const held = await h.app.ctx.storage.db.selectFrom('accounts').select('held').where('id', '=', alice.accountId).executeTakeFirstOrThrow();
        assert.equal(BigInt(held.held), 200_000n);
      });
    });
  });
}
