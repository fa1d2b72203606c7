/**
 * Group commit (SQLite): write transactions that arrive together share one commit, each in its own
 * savepoint. These tests prove that sharing a commit changes nothing a client can observe: a failing
 * unit undoes only its own writes, nobody is answered before the commit, a failed commit fails all,
 * and idempotency holds when two requests with one key land in the same batch.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { apiIdempotencyKey, runIdempotent } from '../../src/app/idempotency.js';
import { applyMovement, type MovementRequest } from '../../src/app/move-money.js';
import type { MovementOutcome } from '../../src/app/movement-outcome.js';
import { movementOutcomeCodec } from '../../src/app/stored-outcome.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { movementResponse } from '../../src/http/routes/api/money.js';
import type { AppContext } from '../../src/app/context.js';

/** One idempotent movement as a process of its own would run it (its own in-flight set), answered as the API answers it. */
async function sendIdempotent(ctx: AppContext, userId: string, key: string, requestHash: string, request: MovementRequest) {
  const result = await runIdempotent(
    { ...ctx, inFlightKeys: new Set() },
    { userId, key: apiIdempotencyKey(key), requestHash },
    async (trx): Promise<MovementOutcome> => ({ kind: 'moved', ...(await applyMovement(ctx, trx, userId, request)) }),
    movementOutcomeCodec,
  );
  return { ...movementResponse(result.outcome), replayed: result.replayed };
}
import { openSqlite } from '../../src/storage/dialects/sqlite.js';
import { createGroupCommit, type TransactionRunner } from '../../src/storage/group-commit.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import type { Storage } from '../../src/storage/storage.js';
import { createHarness, dialects, type Harness, withHarness } from '../helpers/harness.js';

describe('group commit (SQLite)', () => {
  let dir: string;
  let storage: Storage;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-group-commit-'));
    storage = openSqlite({ file: path.join(dir, 'db.sqlite'), busyTimeoutMs: 1000 });
    await sql`create table notes (id integer primary key, text text not null unique)`.execute(storage.db);
  });
  after(async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const notes = async () => (await sql<{ text: string }>`select text from notes order by id`.execute(storage.db)).rows.map((r) => r.text);
  const insert = (text: string) => sql`insert into notes (text) values (${text})`;

  /** A transaction runner that records what happened, in order. */
  function recordingRunner(events: string[], failCommit = false): TransactionRunner {
    return (work) =>
      storage.db.transaction().execute(async (trx) => {
        events.push('begin');
        const result = await work(trx);
        if (failCommit) throw new Error('disk full');
        events.push('commit');
        return result;
      });
  }

  it('runs units that arrive together in one transaction and undoes only the unit that fails', async () => {
    await sql`delete from notes`.execute(storage.db);
    const events: string[] = [];
    const group = createGroupCommit(recordingRunner(events), { maxBatch: 10 });
    const results = await Promise.allSettled([
      group.run(async (trx) => {
        await insert('first').execute(trx);
        return 1;
      }),
      group.run(async (trx) => {
        await insert('doomed').execute(trx);
        throw new Error('business rule refused this one');
      }),
      group.run(async (trx) => {
        // Sees the writes of the units before it, as if they had committed just before.
        const seen = (await sql<{ text: string }>`select text from notes order by id`.execute(trx)).rows.map((r) => r.text);
        await insert('third').execute(trx);
        return seen;
      }),
      // A constraint violation in one unit must not poison the shared transaction either.
      group.run(async (trx) => insert('first').execute(trx)),
    ]);
    assert.deepEqual(events, ['begin', 'commit'], 'one transaction, one commit');
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    assert.match(String(results[1].reason), /business rule/);
    assert.deepEqual(results[2].status === 'fulfilled' && results[2].value, ['first'], 'the failed unit left nothing behind');
    assert.equal(results[3].status, 'rejected');
    assert.deepEqual(await notes(), ['first', 'third']);
    assert.deepEqual(group.stats, { batches: 1, units: 4, largest: 4 });
  });

  it('answers no caller before the shared commit has returned', async () => {
    const events: string[] = [];
    const group = createGroupCommit(recordingRunner(events), { maxBatch: 10 });
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        group
          .run(async (trx) => {
            await insert(`answered-${name}-${Date.now()}-${Math.random()}`).execute(trx);
            events.push(`unit ${name}`);
          })
          .then(() => events.push(`answered ${name}`)),
      ),
    );
    assert.deepEqual(events, ['begin', 'unit a', 'unit b', 'unit c', 'commit', 'answered a', 'answered b', 'answered c']);
  });

  it('fails every unit of a batch whose commit fails, and keeps none of their writes', async () => {
    await sql`delete from notes`.execute(storage.db);
    const group = createGroupCommit(recordingRunner([], true), { maxBatch: 10 });
    const results = await Promise.allSettled(['x', 'y'].map((t) => group.run((trx) => insert(t).execute(trx))));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.match(String(r.reason), /disk full/);
    }
    assert.deepEqual(await notes(), []);
  });

  it('never puts more than maxBatch units in one commit', async () => {
    const events: string[] = [];
    const group = createGroupCommit(recordingRunner(events), { maxBatch: 3 });
    await Promise.all(Array.from({ length: 7 }, (_, i) => group.run((trx) => insert(`bounded-${i}-${Math.random()}`).execute(trx))));
    assert.equal(events.filter((e) => e === 'commit').length, 3);
    assert.equal(group.stats.largest, 3);
    assert.equal(group.stats.units, 7);
  });
});

for (const dialect of await dialects()) {
  describe(`idempotency inside one commit (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect, { config: { groupCommitMaxBatch: 64 } });
    });
    after(async () => h.close());

    it('moves money once when two requests with one key share a commit, as two server processes would', async () => {
      const payer = await h.user('batch-payer');
      const payee = await h.user('batch-payee');
      await h.deposit(payer, 1000);
      const ctx = h.app.ctx;
      // Each call gets its own in-flight set, as a second process would, so both reach the database
      // and (on SQLite) the same batch: they are queued in the same turn of the event loop.
      const send = () =>
        sendIdempotent(ctx, payer.userId, 'shared-batch-key', 'same-body', {
          type: 'transfer',
          fromAccountId: payer.accountId,
          to: payee.username,
          amountMinor: 300n,
          memo: null,
        });
      const [first, second] = await Promise.all([send(), send()]);
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      assert.deepEqual([first.replayed, second.replayed].sort(), [false, true]);
      assert.equal(JSON.parse(first.body).transaction.id, JSON.parse(second.body).transaction.id);
      assert.equal(await h.balance(payer.accountId), 700n);
      assert.equal(await h.balance(payee.accountId), 300n);
      assert.deepEqual((await verifyBooks(ctx.storage.db)).problems, []);
    });

    it('refuses, in the same commit, a second request that reuses the key with a different body', async () => {
      const payer = await h.user('batch-payer-2');
      const payee = await h.user('batch-payee-2');
      await h.deposit(payer, 1000);
      const ctx = h.app.ctx;
      const send = (amountMinor: bigint) =>
        sendIdempotent(ctx, payer.userId, 'shared-batch-key-2', `amount ${amountMinor}`, {
          type: 'transfer',
          fromAccountId: payer.accountId,
          to: payee.username,
          amountMinor,
          memo: null,
        });
      const results = await Promise.allSettled([send(100n), send(200n)]);
      // On PostgreSQL either may win the race for the key; exactly one moves money.
      const won = results.findIndex((r) => r.status === 'fulfilled');
      const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.ok(won >= 0 && lost, `expected one success and one refusal: ${JSON.stringify(results.map((r) => r.status))}`);
      assert.equal(lost.reason.code, 'idempotency_conflict');
      assert.equal(await h.balance(payer.accountId), won === 0 ? 900n : 800n);
    });
  });
}

describe('group commit through the whole app (SQLite)', () => {
  it('migrates and serves with grouping turned off (GROUP_COMMIT_MAX_BATCH=1)', async () => {
    await withHarness('sqlite', { config: { groupCommitMaxBatch: 1 } }, async (h) => {
      const a = await h.user('solo-a');
      await h.deposit(a, 50);
      assert.equal(await h.balance(a.accountId), 50n);
      await migrateToLatest(h.app.ctx.storage);
    });
  });
});
