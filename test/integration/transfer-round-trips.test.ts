/**
 * On PostgreSQL every statement is a round trip, and round trips are what a transfer costs there
 * (docs/performance.md). This pins how many statements one idempotent transfer sends, counted
 * through storage.observeQueries (Kysely's log: every statement, BEGIN and COMMIT included), so the
 * count cannot silently grow back. SQLite's statements are pinned too: each costs CPU on the event loop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueryKind } from '../../src/storage/query-observers.js';
import type { Dialect } from '../../src/storage/storage.js';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';

// PostgreSQL, batched (issue 17 item 5, PG_TRANSFER_BATCH_MAX > 0): auth liveness, and one call of
// the batch function, autocommitted, which claims the key, moves and stores the outcome
// (dialects/postgres/transfer-batch-sql.ts).
const POSTGRES_TRANSFER_BY_NUMBER = 2;
// PostgreSQL, PG_TRANSFER_BATCH_MAX=0 (and today's path for what the batch does not take): auth
// liveness, BEGIN, key claim, SAVEPOINT, payer + payee, the movement, RELEASE, stored response, COMMIT.
// (The notices are written after commit, from the sealed ledger: write-movement-notices.ts.)
const POSTGRES_UNBATCHED_TRANSFER_BY_NUMBER = 9;
// SQLite runs the step-by-step path in the group commit (here a batch of one): auth liveness, BEGIN,
// SAVEPOINT unit, key claim, SAVEPOINT movement, payer + payee, debit, credit, ledger transaction,
// entries, RELEASE movement, stored response, RELEASE unit, COMMIT.
const SQLITE_TRANSFER_BY_NUMBER = 14;

const variants = (await dialects()).flatMap((dialect): { dialect: Dialect; batchMax: number; expected: number; name: string }[] =>
  dialect === 'postgres'
    ? [
        { dialect, batchMax: 64, expected: POSTGRES_TRANSFER_BY_NUMBER, name: 'postgres, batched' },
        { dialect, batchMax: 0, expected: POSTGRES_UNBATCHED_TRANSFER_BY_NUMBER, name: 'postgres, PG_TRANSFER_BATCH_MAX=0' },
      ]
    : [{ dialect, batchMax: 64, expected: SQLITE_TRANSFER_BY_NUMBER, name: dialect }],
);

for (const { dialect, batchMax, expected, name } of variants) {
  describe(`round trips of one idempotent transfer (${name})`, () => {
    let h: Harness;
    let payer: TestUser;
    let payee: TestUser;
    before(async () => {
      // The main connection's statements are counted: SQLite's movement worker (its own connection) stays off.
      h = await createHarness(dialect, { config: { pgTransferBatchMax: batchMax, sqliteWriteWorker: false } });
      payer = await h.user('trips-payer');
      payee = await h.user('trips-payee');
      await h.deposit(payer, 1000);
    });
    after(() => h.close());

    const transfer = async (key: string, to: string, amount = 10) => {
      const kinds: QueryKind[] = [];
      const stop = h.app.ctx.storage.observeQueries((q) => kinds.push(q.kind));
      try {
        const res = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(payer), 'idempotency-key': key },
          payload: { from_account_id: payer.accountId, to, amount },
        });
        return { res, kinds };
      } finally {
        stop();
      }
    };

    it('sends a fixed number of statements for a transfer to an account number', async () => {
      // The first transfer warms nothing that matters (statements are counted, not timed); two
      // in a row prove the count does not depend on the connection's prepared-statement cache.
      for (const key of ['trips-1', 'trips-2']) {
        const { res, kinds } = await transfer(key, payee.accountNumber);
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(kinds.length, expected, kinds.join(' '));
      }
      assert.equal(await h.balance(payee.accountId), 20n);
    });

    if (dialect === 'postgres') {
      it('sends no more for a refusal (insufficient funds), and stores it', async () => {
        const { res, kinds } = await transfer('trips-poor', payee.accountNumber, 1_000_000);
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().error.code, 'insufficient_funds');
        // An amount at or above STEP_UP_MINOR reads the payer's second-factor status first (issue 13;
        // none here, so no key lookup and no code): one more. Unbatched, a refusal also rolls the
        // savepoint back (ROLLBACK TO, then RELEASE): one more again; batched, the refusal is decided
        // and stored inside the one call.
        assert.equal(kinds.length, expected + (batchMax > 0 ? 1 : 2), kinds.join(' '));
      });
    }
  });
}
