/**
 * The hash-chained ledger (issue 16 items 1 and 2, contract "Statements and the ledger chain"), on
 * both databases: sealing, the public head, and `minibank verify` finding edits an attacker with
 * write access made directly in the database, balances "fixed" to match.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealChain } from '../../src/app/seal-chain.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { parseChainPosition } from '../../src/cli/commands/verify.js';
import { GENESIS_HASH } from '../../src/domain/chain-encoding.js';
import type { Db } from '../../src/storage/storage.js';
import { auth, dialects, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { fixBalances, liftAppendOnly } from '../helpers/ledger-tamper.js';

/** Two users, a few deposits and transfers, all sealed; returns the transactions' ids in chain order. */
async function bankWithHistory(h: Harness): Promise<{ alice: TestUser; bob: TestUser; ids: string[] }> {
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  await h.deposit(alice, 10_000);
  await h.deposit(bob, 500);
  for (const amount of [100, 200, 300]) {
    const res = await h.inject({
      method: 'POST',
      url: '/api/v1/transfers',
      headers: auth(alice),
      payload: { from_account_id: alice.accountId, to: 'bob', amount },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  await sealChain(h.app.ctx);
  return { alice, bob, ids: await chainIds(h.app.ctx.storage.db) };
}

const chainIds = async (db: Db) => (await db.selectFrom('ledger_chain').select('transaction_id').orderBy('position').execute()).map((r) => r.transaction_id);
const txnSeq = async (db: Db, id: string) =>
  BigInt((await db.selectFrom('ledger_transactions').select('seq').where('id', '=', id).executeTakeFirstOrThrow()).seq);

/** The books check passes on everything but the chain, and the first problem names `id`. */
async function assertChainNames(db: Db, id: string): Promise<void> {
  const report = await verifyBooks(db);
  assert.equal(report.ok, false);
  assert.ok(
    report.problems.every((p) => p.includes('chain')),
    `only the chain can tell: ${report.problems.join('; ')}`,
  );
  assert.match(report.problems[0]!, new RegExp(`transaction ${id}`));
}

for (const dialect of await dialects()) {
  describe(`the hash chain (${dialect})`, () => {
    it('publishes seq 0 and the genesis hash before anything is sealed, then the sealed head', async () => {
      await withHarness(dialect, async (h) => {
        const before = await h.inject({ method: 'GET', url: '/api/v1/ledger/head' });
        assert.equal(before.statusCode, 200);
        assert.deepEqual(before.json(), { seq: 0, hash: GENESIS_HASH, sealed_at: null });
        const { ids } = await bankWithHistory(h);
        const after = await h.inject({ method: 'GET', url: '/api/v1/ledger/head' });
        const body = after.json();
        assert.deepEqual(Object.keys(body).sort(), ['hash', 'sealed_at', 'seq']);
        assert.equal(body.seq, ids.length);
        const last = await h.app.ctx.storage.db
          .selectFrom('ledger_chain')
          .select(['hash', 'sealed_at'])
          .where('position', '=', BigInt(ids.length))
          .executeTakeFirstOrThrow();
        assert.equal(body.hash, last.hash);
        assert.equal(body.sealed_at, new Date(Number(last.sealed_at)).toISOString());
        assert.deepEqual(await verifyChain(h.app.ctx.storage.db), { ok: true, problems: [], checked: BigInt(ids.length), unsealed: 0n });
        assert.equal((await verifyBooks(h.app.ctx.storage.db)).ok, true);
      });
    });

    it('names a past transaction whose entry amount was edited, balances fixed to match', async () => {
      await withHarness(dialect, async (h) => {
        const { ids } = await bankWithHistory(h);
        const db = h.app.ctx.storage.db;
        await liftAppendOnly(db, dialect);
        const victim = ids[2]!; // the first transfer
        const seq = await txnSeq(db, victim);
        for (const e of await db.selectFrom('entries').select(['seq', 'amount']).where('transaction_seq', '=', seq).execute()) {
          await db
            .updateTable('entries')
            .set({ amount: BigInt(e.amount) * 10n })
            .where('seq', '=', e.seq)
            .execute();
        }
        await fixBalances(db);
        await assertChainNames(db, victim);
      });
    });

    it('names a deleted transaction', async () => {
      await withHarness(dialect, async (h) => {
        const { ids } = await bankWithHistory(h);
        const db = h.app.ctx.storage.db;
        await liftAppendOnly(db, dialect);
        const victim = ids[3]!;
        const seq = await txnSeq(db, victim);
        await db.deleteFrom('entries').where('transaction_seq', '=', seq).execute();
        await db.deleteFrom('ledger_transactions').where('seq', '=', seq).execute();
        await fixBalances(db);
        await assertChainNames(db, victim);
        assert.match((await verifyChain(db)).problems[0]!, /missing from the ledger/);
      });
    });

    it('names the first of two transactions whose order was swapped', async () => {
      await withHarness(dialect, async (h) => {
        const { ids } = await bankWithHistory(h);
        const db = h.app.ctx.storage.db;
        await liftAppendOnly(db, dialect);
        const [first, second] = [ids[2]!, ids[3]!];
        const [a, b] = [await txnSeq(db, first), await txnSeq(db, second)];
        const [ta, tb] = await Promise.all(
          [a, b].map((s) => db.selectFrom('ledger_transactions').select('created_at').where('seq', '=', s).executeTakeFirstOrThrow()),
        );
        // The two transfers trade places in time and in the accounts' histories.
        const entriesOf = async (s: bigint) => (await db.selectFrom('entries').select('seq').where('transaction_seq', '=', s).execute()).map((r) => r.seq);
        const [ea, eb] = [await entriesOf(a), await entriesOf(b)];
        await db.updateTable('entries').set({ transaction_seq: b }).where('seq', 'in', ea).execute();
        await db.updateTable('entries').set({ transaction_seq: a }).where('seq', 'in', eb).execute();
        await db.updateTable('ledger_transactions').set({ created_at: tb!.created_at }).where('seq', '=', a).execute();
        await db.updateTable('ledger_transactions').set({ created_at: ta!.created_at }).where('seq', '=', b).execute();
        await fixBalances(db);
        await assertChainNames(db, first);
      });
    });

    it('names a transaction inserted behind the chain and an entry inserted into a sealed one', async () => {
      await withHarness(dialect, async (h) => {
        const { alice, ids } = await bankWithHistory(h);
        const db = h.app.ctx.storage.db;
        await liftAppendOnly(db, dialect);
        const system = await db.selectFrom('accounts').select('id').where('kind', '=', 'system').executeTakeFirstOrThrow();
        const row = await db
          .insertInto('ledger_transactions')
          .values({ id: '00000000-0000-4000-8000-0000000000aa', type: 'deposit', memo: null, actor_user_id: null, created_at: 1000n })
          .returning('seq')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('entries')
          .values([
            { transaction_seq: row.seq, account_id: alice.accountId, amount: 7n, balance_after: 0n, created_at: 1000n },
            { transaction_seq: row.seq, account_id: system.id, amount: -7n, balance_after: 0n, created_at: 1000n },
          ])
          .execute();
        const sealedSeq = await txnSeq(db, ids[0]!);
        await db
          .insertInto('entries')
          .values([
            { transaction_seq: sealedSeq, account_id: alice.accountId, amount: 1n, balance_after: 0n, created_at: 1000n },
            { transaction_seq: sealedSeq, account_id: system.id, amount: -1n, balance_after: 0n, created_at: 1000n },
          ])
          .execute();
        await fixBalances(db);
        await assertChainNames(db, ids[0]!);
        const problems = (await verifyChain(db)).problems;
        assert.ok(
          problems.some((p) => p.includes('00000000-0000-4000-8000-0000000000aa') && p.includes('not in the chain')),
          problems.join('; '),
        );
      });
    });

    it('checks a range with --from: trusts the position before it and still finds an edit inside it', async () => {
      await withHarness(dialect, async (h) => {
        const { ids } = await bankWithHistory(h);
        const db = h.app.ctx.storage.db;
        assert.deepEqual(await verifyChain(db, { fromSeq: 4n }), { ok: true, problems: [], checked: BigInt(ids.length - 3), unsealed: 0n });
        await liftAppendOnly(db, dialect);
        await db.updateTable('ledger_transactions').set({ memo: 'rewritten' }).where('id', '=', ids[4]!).execute();
        const range = await verifyChain(db, { fromSeq: 4n });
        assert.equal(range.ok, false);
        assert.match(range.problems[0]!, new RegExp(`position 5: transaction ${ids[4]}`));
        assert.equal((await verifyChain(db, { fromSeq: BigInt(ids.length + 2) })).ok, false, 'a position past the head has no anchor');
        assert.equal(parseChainPosition('12'), 12n);
        for (const bad of ['0', '-1', '1.5', 'x', '']) assert.throws(() => parseChainPosition(bad), /--from/);
      });
    });
  });
}
