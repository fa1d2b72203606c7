/**
 * The chain sealer under failure and contention (issue 16 item 1), on both databases: a sealer
 * killed mid-round leaves nothing behind and the next continues; two sealers on one database (two
 * storages, as two instances) make one chain with nothing skipped or sealed twice; on PostgreSQL a
 * transaction that took a lower seq but commits after a higher one was sealed is still sealed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealChain } from '../../src/app/seal-chain.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Db } from '../../src/storage/storage.js';
import { dialects, withHarness, type Harness } from '../helpers/harness.js';

/** Every ledger transaction sealed exactly once at positions 1..n, and the chain recomputes. */
async function assertOneCompleteChain(db: Db): Promise<void> {
  const txns = await db.selectFrom('ledger_transactions').select('seq').execute();
  const chain = await db.selectFrom('ledger_chain').select(['position', 'transaction_seq']).orderBy('position').execute();
  assert.deepEqual(
    chain.map((r) => BigInt(r.position)),
    chain.map((_, i) => BigInt(i + 1)),
  );
  assert.deepEqual(
    chain.map((r) => BigInt(r.transaction_seq)).sort((a, b) => (a < b ? -1 : 1)),
    txns.map((r) => BigInt(r.seq)).sort((a, b) => (a < b ? -1 : 1)),
  );
  assert.deepEqual((await verifyChain(db)).problems, []);
}

async function deposits(h: Harness, n: number): Promise<void> {
  const user = await h.user(`u${Math.floor(Math.random() * 1e9)}`);
  for (let i = 0; i < n; i++) await h.deposit(user, 1 + i);
}

for (const dialect of await dialects()) {
  describe(`the chain sealer (${dialect})`, () => {
    it('a sealer killed between two statements of its round leaves nothing sealed; the next one seals everything once', async () => {
      const faults = { kill: true, afterChainChunk: async () => {} };
      faults.afterChainChunk = async () => {
        if (faults.kill) throw new Error('killed mid-round');
      };
      await withHarness(dialect, { faults }, async (h) => {
        await deposits(h, 130); // more than one chunk of 100 rows: the kill falls between two inserts
        const db = h.app.ctx.storage.db;
        await assert.rejects(sealChain(h.app.ctx), /killed mid-round/);
        assert.equal((await db.selectFrom('ledger_chain').select('position').execute()).length, 0);
        faults.kill = false;
        const outcome = await sealChain(h.app.ctx);
        assert.equal(outcome.sealed, 130);
        await assertOneCompleteChain(db);
      });
    });

    it('two sealers on one database, sealing while money moves, make one chain with nothing skipped or doubled', async () => {
      await withHarness(dialect, async (h) => {
        const other = openStorage(h.config);
        try {
          const second = { storage: other, clock: h.app.ctx.clock, faults: {} };
          const user = await h.user('mover');
          for (let i = 0; i < 8; i++) {
            await Promise.all([h.deposit(user, 10), h.deposit(user, 20), sealChain(h.app.ctx), sealChain(second), sealChain(second)]);
          }
          await sealChain(h.app.ctx);
          await sealChain(second);
          await assertOneCompleteChain(h.app.ctx.storage.db);
        } finally {
          await other.close();
        }
      });
    });

    if (dialect === 'postgres') {
      it('seals a transaction that took a lower seq but committed after a higher one was sealed', async () => {
        await withHarness(dialect, async (h) => {
          const other = openStorage(h.config);
          try {
            const user = await h.user('late');
            // The late transaction moves between two other accounts: the deposit locks its own and the system's FOR UPDATE.
            const [p1, p2] = [await h.user('late1'), await h.user('late2')];
            let release!: () => void;
            const gate = new Promise<void>((resolve) => (release = resolve));
            let inserted!: () => void;
            const insertedYet = new Promise<void>((resolve) => (inserted = resolve));
            const late = other.writeTransaction(async (trx) => {
              const row = await trx
                .insertInto('ledger_transactions')
                .values({ id: '00000000-0000-4000-8000-00000000001a', type: 'deposit', memo: null, actor_user_id: null, created_at: BigInt(Date.now()) })
                .returning('seq')
                .executeTakeFirstOrThrow();
              await trx
                .insertInto('entries')
                .values([
                  { transaction_seq: row.seq, account_id: p1.accountId, amount: 5n, balance_after: 5n, created_at: 0n },
                  { transaction_seq: row.seq, account_id: p2.accountId, amount: -5n, balance_after: -5n, created_at: 0n },
                ])
                .execute();
              inserted();
              await gate;
              return BigInt(row.seq);
            });
            await insertedYet;
            await h.deposit(user, 10); // a higher seq, committed first
            await sealChain(h.app.ctx);
            const sealedFirst = await h.app.ctx.storage.db.selectFrom('ledger_chain').select('transaction_seq').execute();
            release();
            const lateSeq = await late;
            assert.ok(!sealedFirst.some((r) => BigInt(r.transaction_seq) === lateSeq), 'not sealed while in flight');
            assert.ok(
              sealedFirst.some((r) => BigInt(r.transaction_seq) > lateSeq),
              'a higher seq was sealed first',
            );
            await sealChain(h.app.ctx);
            await assertOneCompleteChain(h.app.ctx.storage.db);
          } finally {
            await other.close();
          }
        });
      });
    }
  });
}
