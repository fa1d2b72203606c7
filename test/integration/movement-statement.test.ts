/**
 * The transfer path that saves round trips on PostgreSQL: the payer and a payee given by account
 * number in one query (both dialects), and on PostgreSQL the locks, debit, credit and ledger rows in
 * one statement (src/storage/dialects/postgres/movement-sql.ts). These prove it refuses exactly
 * what the step-by-step path refused, writes nothing when it refuses, and decides on the balance it
 * locked rather than the older one its snapshot may hold.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { applyMovement } from '../../src/app/move-money.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { MAX_BALANCE_MINOR } from '../../src/domain/money.js';
import { buildApp } from '../../src/http/app.js';
import { auth, createHarness, dialects, ledgerSnapshot, waitForLockWait, PASSWORD, type Harness, type TestUser, withHarness } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`one-query payee, one-statement movement (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      [alice, bob, carol] = [await h.user('alice'), await h.user('bob'), await h.user('carol')];
      await h.deposit(alice, 1000);
      await h.deposit(bob, 1000);
    });
    after(() => h.close());

    const transfer = (from: TestUser, fromAccountId: string, to: string, amount: number | string, key?: string) =>
      h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: { ...auth(from), ...(key ? { 'idempotency-key': key } : {}) },
        payload: { from_account_id: fromAccountId, to, amount },
      });

    /** The answer without its request id, and proof that it moved nothing. */
    const refusal = async (send: () => ReturnType<typeof transfer>) => {
      const before = await ledgerSnapshot(h.app);
      const res = await send();
      assert.equal(await ledgerSnapshot(h.app), before, `a refusal changed the ledger: ${res.body}`);
      const { request_id: _id, ...error } = res.json().error;
      return { status: res.statusCode, ...error };
    };

    /** A payee by account number must be refused exactly as the same payee by username. */
    const sameRefusal = async (
      from: TestUser,
      fromAccountId: string,
      payee: { username: string; number: string },
      expected: { status: number; code: string; param?: string },
    ) => {
      const byNumber = await refusal(() => transfer(from, fromAccountId, payee.number, 1));
      const byName = await refusal(() => transfer(from, fromAccountId, payee.username, 1));
      assert.deepEqual(byNumber, byName);
      assert.equal(byNumber.status, expected.status);
      assert.equal(byNumber.code, expected.code);
      if (expected.param) assert.equal(byNumber.param, expected.param);
    };
    const payee = (u: TestUser) => ({ username: u.username, number: u.accountNumber });

    it('refuses by account number exactly as by username', async () => {
      const fromOthers = { status: 404, code: 'not_found', param: 'from_account_id' };
      await sameRefusal(alice, bob.accountId, payee(carol), fromOthers);
      await sameRefusal(alice, crypto.randomUUID(), payee(carol), fromOthers);
      await sameRefusal(alice, 'x'.repeat(64), payee(carol), fromOthers);
      // The payer is checked first, even when the payee is not found either.
      const unknownNumber = '0000000000' + String(98n - ((0n * 100n) % 97n)).padStart(2, '0');
      assert.equal((await refusal(() => transfer(alice, bob.accountId, unknownNumber, 1))).param, 'from_account_id');
      assert.deepEqual(await refusal(() => transfer(alice, alice.accountId, unknownNumber, 1)), {
        status: 404,
        code: 'not_found',
        message: 'No account matches that payee.',
        param: 'to',
      });
      await sameRefusal(alice, alice.accountId, payee(alice), { status: 422, code: 'same_account', param: 'to' });

      const frost = await h.user('frost');
      await h.deposit(frost, 50);
      await h.app.ctx.storage.db.updateTable('accounts').set({ status: 'frozen' }).where('id', '=', frost.accountId).execute();
      try {
        await sameRefusal(alice, alice.accountId, payee(frost), { status: 422, code: 'account_frozen' });
        await sameRefusal(frost, frost.accountId, payee(alice), { status: 422, code: 'account_frozen' });
      } finally {
        await h.app.ctx.storage.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', frost.accountId).execute();
      }

      const euros = await buildApp({ config: { ...h.config, currency: 'EUR' }, storage: h.app.ctx.storage });
      try {
        const signup = await euros.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: 'eve.eur', password: PASSWORD } });
        assert.equal(signup.statusCode, 201, signup.body);
        await sameRefusal(
          alice,
          alice.accountId,
          { username: 'eve.eur', number: signup.json().account.number },
          { status: 422, code: 'currency_mismatch', param: 'to' },
        );
      } finally {
        await euros.close();
      }
    });

    it('refuses insufficient funds, moving nothing, and keeps the key with the refusal', async () => {
      const poor = await refusal(() => transfer(alice, alice.accountId, bob.accountNumber, 5000, 'poor-key'));
      assert.deepEqual([poor.status, poor.code, poor.param], [422, 'insufficient_funds', 'amount']);
      const replay = await transfer(alice, alice.accountId, bob.accountNumber, 5000, 'poor-key');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().error.code, 'insufficient_funds');
    });

    it('refuses a payee balance that would pass the bound on stored amounts before insufficient funds, and pays up to the limit', async () => {
      // Its own database: the balance is set by hand, which verify would rightly call tampering.
      await withHarness(dialect, async (own) => {
        const [payer, whale] = [await own.user('payer'), await own.user('whale')];
        await own.deposit(payer, 1000);
        await sql`update accounts set balance = ${MAX_BALANCE_MINOR - 5n} where id = ${whale.accountId}`.execute(own.app.ctx.storage.db);
        const send = (amount: number) =>
          own.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers: auth(payer),
            payload: { from_account_id: payer.accountId, to: whale.accountNumber, amount },
          });
        for (const amount of [6, 5000]) {
          const before = await ledgerSnapshot(own.app);
          const res = await send(amount);
          assert.equal(res.statusCode, 422, res.body);
          assert.deepEqual([res.json().error.code, res.json().error.param], ['limit_reached', 'amount']);
          assert.equal(await ledgerSnapshot(own.app), before);
        }
        const exact = await send(5);
        assert.equal(exact.statusCode, 201, exact.body);
        assert.equal(await own.balance(whale.accountId), MAX_BALANCE_MINOR);
        assert.equal(await own.balance(payer.accountId), 995n);
      });
    });

    it('writes the entries with their running balances and keeps the books sound', async () => {
      const [a0, b0] = [await h.balance(alice.accountId), await h.balance(bob.accountId)];
      const res = await transfer(alice, alice.accountId, bob.accountNumber, 7, 'entries-key');
      assert.equal(res.statusCode, 201, res.body);
      const body = res.json();
      assert.equal(BigInt(body.account.balance), a0 - 7n);
      assert.deepEqual(body.transaction.counterparty, { username: 'bob', account_number: bob.accountNumber });
      const entries = await h.app.ctx.storage.db
        .selectFrom('entries as e')
        .innerJoin('ledger_transactions as t', 't.seq', 'e.transaction_seq')
        .select(['e.account_id', 'e.amount', 'e.balance_after', 't.type', 't.actor_user_id', 't.actor_token_id'])
        .where('t.id', '=', body.transaction.id)
        .orderBy('e.seq')
        .execute();
      assert.deepEqual(
        entries.map((e) => [e.account_id, BigInt(e.amount), BigInt(e.balance_after), e.type, e.actor_user_id]),
        [
          [alice.accountId, -7n, a0 - 7n, 'transfer', alice.userId],
          [bob.accountId, 7n, b0 + 7n, 'transfer', alice.userId],
        ],
      );
      assert.ok(entries[0]!.actor_token_id, 'the token behind the transfer is recorded');
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    if (dialect === 'postgres') {
      it('decides on the balances it locked, not on an older snapshot (both paid while the transfer waited)', async () => {
        const [dave, erin] = [await h.user('dave'), await h.user('erin')];
        const ctx = h.app.ctx;
        let pending: ReturnType<typeof transfer> | undefined;
        // Deposits to dave and erin hold their row locks while a transfer from dave's (still empty)
        // account to erin's starts: its statement's snapshot predates the deposits, its lock wait
        // ends after they commit. It must see dave's 100 and add to erin's 30.
        await ctx.storage.writeTransaction(async (trx) => {
          await applyMovement(ctx, trx, dave.userId, { type: 'deposit', accountId: dave.accountId, amountMinor: 100n, memo: null });
          await applyMovement(ctx, trx, erin.userId, { type: 'deposit', accountId: erin.accountId, amountMinor: 30n, memo: null });
          pending = transfer(dave, dave.accountId, erin.accountNumber, 60, 'waited-key');
          await waitForLockWait(h);
        });
        const res = await pending!;
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(await h.balance(dave.accountId), 40n);
        assert.equal(await h.balance(erin.accountId), 90n);
        assert.deepEqual((await verifyBooks(ctx.storage.db)).problems, []);
      });

      it('refuses a statement that would update one row twice', async () => {
        const { moveInOneStatement } = await import('../../src/storage/dialects/postgres/movement-sql.js');
        const txn = { id: crypto.randomUUID(), type: 'transfer' as const, memo: null, actorUserId: alice.userId, createdAtMs: 1n };
        await assert.rejects(
          h.app.ctx.storage.writeTransaction((trx) =>
            moveInOneStatement(
              trx,
              [
                { accountId: alice.accountId, amountMinor: -1n },
                { accountId: alice.accountId, amountMinor: 1n },
              ],
              txn,
            ),
          ),
          /two different accounts|one debit and its matching credit/,
        );
      });
    }
  });
}

/** Waits until some session of this test's database is waiting for a row lock. */
