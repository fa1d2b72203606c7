/**
 * Reversals in the hash chain (issue 16 item 1 with issue 15's reversals; docs/ledger.md "The
 * chain", extensions), on both databases: a reversal is sealed like any transaction, its
 * `reversal_of` link is hashed as the `reversal_of` extension, so editing or dropping the link
 * (balances untouched: the link moves no money) is found by the chain and named at the reversal,
 * while an ordinary transaction's hash is what it was before extensions existed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chainHash, sealChain } from '../../src/app/seal-chain.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { chainedTransactions } from '../../src/storage/repositories/chain-seal-repository.js';
import type { Db } from '../../src/storage/storage.js';
import { auth, dialects, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { liftAppendOnly } from '../helpers/ledger-tamper.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { staffUser } from '../helpers/staff.js';

const transfer = async (h: Harness, from: TestUser, to: string, amount: number): Promise<string> => {
  const res = await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(from), payload: { from_account_id: from.accountId, to, amount } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().transaction.id as string;
};

const seqOf = async (db: Db, id: string) =>
  BigInt((await db.selectFrom('ledger_transactions').select('seq').where('id', '=', id).executeTakeFirstOrThrow()).seq);

/** alice pays bob twice; an admin reverses the first payment (below the approval threshold: at once); all sealed. */
async function bankWithReversal(h: Harness, clock: ReturnType<typeof manualClock>) {
  const alice = await h.user('alice');
  await h.deposit(alice, 1000);
  await h.user('bob');
  const admin = await staffUser(h, 'ada', 'admin', clock);
  clock.advanceSteps(1);
  const original = await transfer(h, alice, 'bob', 300);
  const other = await transfer(h, alice, 'bob', 200);
  const res = await h.inject({
    method: 'POST',
    url: `/api/v1/admin/transactions/${original}/reverse`,
    headers: { ...auth(admin), 'mfa-code': codeAt(admin.secret, clock) },
    payload: { reason: 'paid the wrong person' },
  });
  assert.equal(res.statusCode, 201, res.body);
  const reversal = res.json().transaction.id as string;
  await sealChain(h.app.ctx);
  return { original, other, reversal };
}

for (const dialect of await dialects()) {
  describe(`reversals in the hash chain (${dialect})`, () => {
    it('seals a reversal with its link to the original as an extension, and the chain verifies', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { original, reversal } = await bankWithReversal(h, clock);
        const db = h.app.ctx.storage.db;
        const row = await db.selectFrom('ledger_chain').select(['position', 'hash']).where('transaction_id', '=', reversal).executeTakeFirstOrThrow();
        const [txn] = (await chainedTransactions(db, [await seqOf(db, reversal)])).values();
        assert.deepEqual(txn!.extensions, { reversal_of: original });
        // The link is part of what is hashed: the same transaction without it hashes differently.
        const previous = (
          await db
            .selectFrom('ledger_chain')
            .select('hash')
            .where('position', '=', BigInt(row.position) - 1n)
            .executeTakeFirstOrThrow()
        ).hash;
        assert.equal(chainHash(txn!, BigInt(row.position), previous), row.hash);
        assert.notEqual(chainHash({ ...txn!, extensions: {} }, BigInt(row.position), previous), row.hash);
        const report = await verifyChain(db);
        assert.deepEqual(report.problems, []);
        assert.equal(report.unsealed, 0n);
      });
    });

    it('names the reversal when its link is pointed at another transaction or removed', async () => {
      for (const edit of ['pointed at another transfer', 'removed'] as const) {
        const clock = manualClock();
        await withHarness(dialect, { clock }, async (h) => {
          const { other, reversal } = await bankWithReversal(h, clock);
          const db = h.app.ctx.storage.db;
          assert.deepEqual((await verifyChain(db)).problems, []);
          await liftAppendOnly(db, dialect);
          await db
            .updateTable('ledger_transactions')
            .set({ reversal_of: edit === 'removed' ? null : other })
            .where('id', '=', reversal)
            .execute();
          const report = await verifyChain(db);
          assert.equal(report.ok, false, edit);
          assert.match(report.problems[0]!, new RegExp(`transaction ${reversal} does not match its chain hash`), edit);
        });
      }
    });
  });
}
