/**
 * PostgreSQL's batched transfers under concurrency (issue 17 item 5): a refusal in a batch leaves
 * the other transfers of that batch alone; 100 concurrent transfers from one account never take it
 * below zero, the books verify and the chain sealer seals every batched transaction; a deadlock
 * between two batches (two pools, as two instances, locking the same accounts in opposite orders)
 * is retried as a whole call and every transfer is answered. Skipped loudly without PostgreSQL, a
 * failure under CI (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { transferBatcherOf } from '../../src/app/batched-transfers.js';
import { apiIdempotencyKey } from '../../src/app/idempotency.js';
import { postMovement } from '../../src/app/post-movement.js';
import { sealChain } from '../../src/app/seal-chain.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { openPostgres } from '../../src/storage/dialects/postgres.js';
import { createTransferBatcher, type BatchTransfer } from '../../src/storage/dialects/postgres/transfer-batcher.js';
import { auth, createHarness, waitFor, type Harness, type TestUser } from '../helpers/harness.js';
import { postgresAvailable } from '../helpers/postgres.js';

const pgUp = await postgresAvailable();

let n = 0;
/** One transfer of 1 minor unit as the batch function takes it, notice texts for USD only. */
function batchTransfer(from: TestUser, to: TestUser, prefix: string, overrides: Partial<BatchTransfer> = {}): BatchTransfer {
  n += 1;
  return {
    userId: from.userId,
    key: `${prefix}-${n}`,
    requestHash: `${prefix}-${n}`,
    payerId: from.accountId,
    payeeNumber: to.accountNumber,
    amountMinor: 1n,
    memo: null,
    transactionId: `${prefix}-txn-${n}`,
    createdAtMs: BigInt(Date.now()),
    tokenId: null,
    sessionHandle: null,
    ...overrides,
  };
}

const options = { maxBatch: 8, format: 'movement-facts/1', status: 0 };

describe('batched transfers under concurrency (PostgreSQL)', { skip: !pgUp && 'no PostgreSQL (see the notice above)' }, () => {
  let h: Harness;
  before(async () => {
    h = await createHarness('postgres');
  });
  after(() => h?.close());

  const transfer = (from: TestUser, to: TestUser, amount: bigint, key: string) =>
    postMovement(
      h.app.ctx,
      from.userId,
      { type: 'transfer', fromAccountId: from.accountId, to: to.accountNumber, amountMinor: amount, memo: null },
      { key: apiIdempotencyKey(key), requestHash: `hash-${key}` },
    );

  it('a refusal in a batch does not touch the other transfers of that batch', async () => {
    const [payer, poor, payee] = [await h.user('iso-payer'), await h.user('iso-poor'), await h.user('iso-payee')];
    await h.deposit(payer, 100);
    const stats = transferBatcherOf(h.app.ctx)!.stats;
    const callsBefore = stats.calls;
    // Submitted in one turn of the event loop: one call of the batch function.
    const results = await Promise.all([transfer(payer, payee, 30n, 'iso-1'), transfer(poor, payee, 5n, 'iso-2'), transfer(payer, payee, 40n, 'iso-3')]);
    assert.equal(stats.calls, callsBefore + 1, 'one call for the three');
    assert.ok(stats.largest >= 3);
    assert.deepEqual(
      results.map((r) => r.outcome.kind),
      ['moved', 'refused', 'moved'],
    );
    const [, refused] = results;
    assert.equal(refused.outcome.kind === 'refused' && refused.outcome.code, 'insufficient_funds');
    assert.equal(await h.balance(payer.accountId), 30n);
    assert.equal(await h.balance(payee.accountId), 70n);
    assert.equal(await h.balance(poor.accountId), 0n);
    // The refusal is stored for its key: a retry replays it, nothing moves.
    const again = await transfer(poor, payee, 5n, 'iso-2');
    assert.equal(again.replayed, true);
    assert.equal(again.outcome.kind, 'refused');
  });

  it('100 concurrent transfers from one account never take it below zero; books and chain verify', async () => {
    const [payer, payee] = [await h.user('race-payer'), await h.user('race-payee')];
    await h.deposit(payer, 50);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(payer), 'idempotency-key': `race-${i}` },
          payload: { from_account_id: payer.accountId, to: payee.accountNumber, amount: 1 },
        }),
      ),
    );
    const codes = answers.map((a) => (a.statusCode === 201 ? 'ok' : a.json<{ error: { code: string } }>().error.code));
    assert.equal(codes.filter((c) => c === 'ok').length, 50, codes.join(' '));
    assert.equal(codes.filter((c) => c === 'insufficient_funds').length, 50, codes.join(' '));
    assert.equal(await h.balance(payer.accountId), 0n);
    assert.equal(await h.balance(payee.accountId), 50n);
    assert.ok(transferBatcherOf(h.app.ctx)!.stats.largest > 1, 'some transfers shared a call');
    assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    await sealChain(h.app.ctx);
    const chain = await verifyChain(h.app.ctx.storage.db);
    assert.deepEqual(chain.problems, []);
    assert.equal(chain.unsealed, 0n, 'every batched transaction is sealed');
  });

  it('two batches (two pools) naming the same accounts in opposite orders queue for each other instead of deadlocking', async () => {
    const users = [];
    for (const name of ['a', 'b', 'c', 'd', 'g1', 'h1', 'g2', 'h2']) users.push(await h.user(`dl-${name}`));
    const [a, b, c, d, g1, h1, g2, h2] = users as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
    for (const payer of [a, c, g1, g2]) await h.deposit(payer, 100);
    const storages = [openPostgres({ url: h.config.databaseUrl, poolSize: 2 }), openPostgres({ url: h.config.databaseUrl, poolSize: 2 })];
    const gate = new pg.Client({ connectionString: h.config.databaseUrl });
    await gate.connect();
    try {
      const [one, two] = storages.map((s) => createTransferBatcher(s.db, options));
      const call = (from: TestUser, to: TestUser) => batchTransfer(from, to, 'dl');
      // The gate holds g1 and g2: batch one locks a and b, batch two c and d, and both wait at the gate.
      await gate.query('begin');
      await gate.query('select 1 from accounts where id in ($1, $2) for update', [g1.accountId, g2.accountId]);
      const first = Promise.all([one!.submit(call(a, b)), one!.submit(call(g1, h1)), one!.submit(call(c, d))]);
      const second = Promise.all([two!.submit(call(c, d)), two!.submit(call(g2, h2)), two!.submit(call(a, b))]);
      // Watched from outside the gate's transaction (which would see one frozen snapshot of the view).
      await waitFor('both batches waiting at the gate', async () => {
        const { rows } = await sql<{ n: bigint }>`select count(*) as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(h.app.ctx.storage.db);
        return Number(rows[0]!.n) >= 2;
      });
      // Each batch locks all its accounts first, in one id order: neither can hold a row the other
      // needs while waiting for one the other holds (before, this scenario deadlocked every time).
      await gate.query('commit');
      const rows = [...(await first), ...(await second)];
      assert.deepEqual(
        rows.map((r) => r.kind),
        ['moved', 'moved', 'moved', 'moved', 'moved', 'moved'],
      );
      assert.equal(one!.stats.retries + two!.stats.retries, 0, 'no deadlock, so nothing retried');
      assert.equal(await h.balance(b.accountId), 2n);
      assert.equal(await h.balance(d.accountId), 2n);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    } finally {
      await gate.end();
      for (const s of storages) await s.close();
    }
  });

  it('a deadlock with another transaction ends the call with 40P01; the whole call is retried and answered', async () => {
    const [payer, payee] = [await h.user('dl2-payer'), await h.user('dl2-payee')];
    await h.deposit(payer, 100);
    const [low, high] = [payer.accountId, payee.accountId].sort();
    const batcher = createTransferBatcher(h.app.ctx.storage.db, options);
    const gate = new pg.Client({ connectionString: h.config.databaseUrl });
    await gate.connect();
    try {
      // The gate's deadlock check runs late, so the batch's (1 s) finds the cycle and is the victim.
      await gate.query('begin');
      await gate.query("set local deadlock_timeout = '20s'");
      await gate.query('select 1 from accounts where id = $1 for update', [high]);
      const moved = batcher.submit(batchTransfer(payer, payee, 'dl2'));
      await waitFor('the batch holding the lower id and waiting for the higher', async () => {
        const { rows } = await sql<{ n: bigint }>`select count(*) as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`.execute(h.app.ctx.storage.db);
        return Number(rows[0]!.n) >= 1;
      });
      // The gate now wants the row the batch holds: a cycle, which PostgreSQL breaks by failing the batch's call.
      const gateLock = gate.query('select 1 from accounts where id = $1 for update', [low]);
      await gateLock;
      await gate.query('commit');
      assert.equal((await moved).kind, 'moved');
      assert.ok(batcher.stats.retries >= 1, 'the deadlock victim (the whole call) was retried');
      assert.equal(await h.balance(payee.accountId), 1n);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    } finally {
      await gate.end();
    }
  });

  it('a failure undoes only its own transfer (claim included)', async () => {
    const [payer, payee] = [await h.user('fail-payer'), await h.user('fail-payee')];
    await h.deposit(payer, 10);
    const batcher = createTransferBatcher(h.app.ctx.storage.db, options);
    const ok = batchTransfer(payer, payee, 'fail');
    // The same ledger transaction id twice: the second fails on the primary key, alone.
    const [first, duplicate] = await Promise.all([
      batcher.submit(ok),
      batcher.submit(batchTransfer(payer, payee, 'fail', { transactionId: ok.transactionId })),
    ]);
    assert.equal(first.kind, 'moved');
    assert.equal(duplicate.kind, 'failed');
    assert.equal(duplicate.errorCode, '23505');
    assert.equal(await h.balance(payer.accountId), 9n);
    const keys = await sql<{ key: string }>`select key from idempotency_keys where key like 'fail-%'`.execute(h.app.ctx.storage.db);
    assert.deepEqual(
      keys.rows.map((r) => r.key),
      [ok.key],
      'only the moved transfer keeps its key',
    );
  });
});
