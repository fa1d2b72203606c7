/**
 * Issue 11 class 13: a database lock held by another process must not freeze the server (SQLite).
 * Another connection to the same file (as `sqlite3 minibank.sqlite 'BEGIN IMMEDIATE; ...'` would)
 * holds the write lock; meanwhile the event loop keeps turning, /healthz and reads answer, a write
 * waits and goes through if the lock comes free in time, and otherwise gets 503 `unavailable` with
 * nothing moved. Waits are bounded by counts, never by measured times.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { verifyBooks } from '../../src/app/verify-books.js';
import { openSqlite } from '../../src/storage/dialects/sqlite.js';
import { createGroupCommit, type TransactionRunner } from '../../src/storage/group-commit.js';
import { LockTimeoutError, monotonicNow, sleep } from '../../src/storage/lock-wait.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { sqliteFile } from '../../src/storage/open-storage.js';
import { auth, createHarness, ledgerSnapshot, type Harness, type TestUser } from '../helpers/harness.js';

/** A second connection to `file` holding SQLite's write lock, as another process would. */
function holdWriteLock(file: string): { release(): void } {
  const other = new SqliteDatabase(file);
  other.pragma('journal_mode = WAL');
  other.exec('BEGIN IMMEDIATE');
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      other.exec('ROLLBACK');
      other.close();
    },
  };
}

/** Tracks whether a promise has settled yet, without awaiting it. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return {
    promise,
    get settled() {
      return settled;
    },
  };
}

/** Turns of the event loop (setImmediate callbacks) until `stop()` is called. */
function countLoopTurns(): { stop(): number } {
  let turns = 0;
  let running = true;
  const turn = () => {
    turns++;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    stop() {
      running = false;
      return turns;
    },
  };
}

/**
 * Runs `step` again and again while `pending` has not settled, at most `max` times; returns how many
 * ran. Each step ends with a turn of the event loop, so timers (the lock wait's) can fire.
 */
async function stepsWhilePending(pending: { settled: boolean }, step: () => Promise<void>, max: number): Promise<number> {
  let done = 0;
  while (!pending.settled && done < max) {
    await step();
    await new Promise((resolve) => setImmediate(resolve));
    done++;
  }
  return done;
}

const deposit = (h: Harness, user: TestUser, amount: number, key?: string) =>
  h.inject({
    method: 'POST',
    url: '/api/v1/deposits',
    headers: { ...auth(user), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { account_id: user.accountId, amount },
  });

const transfer = (h: Harness, from: TestUser, to: TestUser, amount: number) =>
  h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(from), payload: { from_account_id: from.accountId, to: to.accountNumber, amount } });

async function withHarness(lockTimeoutMs: number, run: (h: Harness, file: string) => Promise<void>): Promise<void> {
  const h = await createHarness('sqlite', { config: { sqliteBusyTimeoutMs: lockTimeoutMs } });
  try {
    await run(h, sqliteFile(h.config));
  } finally {
    await h.close();
  }
}

describe('a write lock held by another process (SQLite, issue 11 class 13)', () => {
  it('keeps /healthz answering and the event loop turning while a deposit waits, then answers 503 unavailable', async () => {
    await withHarness(1000, async (h, file) => {
      const user = await h.user('lock-health');
      const before = await ledgerSnapshot(h.app);
      const lock = holdWriteLock(file);
      try {
        const turns = countLoopTurns();
        const pending = track(deposit(h, user, 500));
        const healthChecks = await stepsWhilePending(
          pending,
          async () => {
            const health = await h.inject({ method: 'GET', url: '/healthz' });
            assert.equal(health.statusCode, 200);
          },
          100_000,
        );
        const res = await pending.promise;
        const loopTurns = turns.stop();
        // SQLite's own busy wait held the event loop for the whole timeout: no health check and a
        // handful of turns could run. Now the wait is on timers and both go on all along.
        assert.ok(healthChecks >= 20, `only ${healthChecks} health checks answered while the deposit waited`);
        assert.ok(loopTurns >= 100, `the event loop turned only ${loopTurns} times while the deposit waited`);
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().error.code, 'unavailable');
      } finally {
        lock.release();
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });
  });

  it('answers reads while a write waits for the lock', async () => {
    await withHarness(10_000, async (h, file) => {
      const user = await h.user('lock-reader');
      const lock = holdWriteLock(file);
      let pending;
      try {
        pending = track(deposit(h, user, 700));
        const waited = await stepsWhilePending(pending, async () => void (await h.inject({ method: 'GET', url: '/healthz' })), 30);
        assert.equal(waited, 30, 'the deposit finished although the lock was held');
        // Reads need no write lock in WAL mode; the waiting write lends the connection out.
        for (const url of ['/api/v1/me', `/api/v1/accounts/${user.accountId}`, `/api/v1/accounts/${user.accountId}/transactions`]) {
          const read = await h.inject({ method: 'GET', url, headers: auth(user) });
          assert.equal(read.statusCode, 200, `${url}: ${read.body}`);
        }
        assert.equal(pending.settled, false, 'the deposit should still be waiting for the lock');
      } finally {
        lock.release();
      }
      assert.equal((await pending.promise).statusCode, 201);
      assert.equal(await h.balance(user.accountId), 700n);
    });
  });

  it('lets a transfer that waited for the lock go through once it is released within the timeout', async () => {
    await withHarness(10_000, async (h, file) => {
      const payer = await h.user('lock-payer');
      const payee = await h.user('lock-payee');
      await h.deposit(payer, 1000);
      const lock = holdWriteLock(file);
      let pending;
      try {
        pending = track(transfer(h, payer, payee, 300));
        const waited = await stepsWhilePending(pending, async () => void (await h.inject({ method: 'GET', url: '/healthz' })), 50);
        assert.equal(waited, 50, 'the transfer finished although the lock was held');
      } finally {
        lock.release();
      }
      const res = await pending.promise;
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(await h.balance(payer.accountId), 700n);
      assert.equal(await h.balance(payee.accountId), 300n);
      assert.equal((await verifyBooks(h.app.ctx.storage.db)).ok, true);
    });
  });

  it('refuses a deposit that cannot get the lock in time with 503 and moves nothing; the same Idempotency-Key works afterwards', async () => {
    await withHarness(200, async (h, file) => {
      const user = await h.user('lock-timeout');
      await h.deposit(user, 100);
      const before = await ledgerSnapshot(h.app);
      const lock = holdWriteLock(file);
      try {
        for (const key of [undefined, 'lock-key-1']) {
          const res = await deposit(h, user, 500, key);
          assert.equal(res.statusCode, 503, res.body);
          assert.equal(res.json().error.code, 'unavailable');
          assert.ok(res.json().error.request_id, res.body);
        }
        assert.equal(await ledgerSnapshot(h.app), before);
      } finally {
        lock.release();
      }
      assert.equal(await ledgerSnapshot(h.app), before);
      assert.equal(await h.balance(user.accountId), 100n);
      // The refusal was not remembered as the key's answer: the retry is carried out, once.
      const retry = await deposit(h, user, 500, 'lock-key-1');
      assert.equal(retry.statusCode, 201, retry.body);
      assert.equal((await deposit(h, user, 500, 'lock-key-1')).headers['idempotent-replayed'], 'true');
      assert.equal(await h.balance(user.accountId), 600n);
    });
  });

  it('refuses every transfer of a group-commit batch that cannot get the lock, and moves nothing', async () => {
    await withHarness(300, async (h, file) => {
      const payer = await h.user('lock-batch-payer');
      const payees = await Promise.all(['lock-batch-a', 'lock-batch-b', 'lock-batch-c'].map((name) => h.user(name)));
      await h.deposit(payer, 10_000);
      const before = await ledgerSnapshot(h.app);
      const lock = holdWriteLock(file);
      try {
        const batch = track(Promise.all(Array.from({ length: 8 }, (_, i) => transfer(h, payer, payees[i % payees.length]!, 100 + i))));
        const healthChecks = await stepsWhilePending(batch, async () => void (await h.inject({ method: 'GET', url: '/healthz' })), 100_000);
        assert.ok(healthChecks >= 10, `only ${healthChecks} health checks answered while the batch waited`);
        const results = await batch.promise;
        for (const res of results) {
          assert.equal(res.statusCode, 503, res.body);
          assert.equal(res.json().error.code, 'unavailable');
        }
        assert.equal(await ledgerSnapshot(h.app), before);
      } finally {
        lock.release();
      }
      // The server is not left stuck: with the lock free the same transfers go through.
      const results = await Promise.all(payees.map((payee) => transfer(h, payer, payee, 100)));
      assert.deepEqual(
        results.map((r) => r.statusCode),
        [201, 201, 201],
      );
      assert.equal(await h.balance(payer.accountId), 9700n);
      assert.equal((await verifyBooks(h.app.ctx.storage.db)).ok, true);
    });
  });
});

describe('SQLite storage waiting for a lock (issue 11 class 13)', () => {
  const withFile = async (run: (file: string) => Promise<void>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-lock-wait-'));
    try {
      await run(path.join(dir, 'db.sqlite'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('retries a write outside a transaction, answering reads meanwhile, and gives up with LockTimeoutError', async () => {
    await withFile(async (file) => {
      const storage = openSqlite({ file, busyTimeoutMs: 300 });
      try {
        await sql`create table notes (text text not null)`.execute(storage.db);
        const lock = holdWriteLock(file);
        try {
          const pending = track(sql`insert into notes (text) values ('late')`.execute(storage.db));
          const reads = await stepsWhilePending(pending, async () => void (await sql`select count(*) from notes`.execute(storage.db)), 100_000);
          assert.ok(reads >= 10, `only ${reads} reads answered while the write waited`);
          await assert.rejects(pending.promise, LockTimeoutError);
        } finally {
          lock.release();
        }
        const released = holdWriteLock(file);
        const pending = track(sql`insert into notes (text) values ('in time')`.execute(storage.db));
        await stepsWhilePending(pending, () => sleep(0), 20);
        released.release();
        await pending.promise;
        assert.deepEqual((await sql<{ text: string }>`select text from notes`.execute(storage.db)).rows, [{ text: 'in time' }]);
      } finally {
        await storage.close();
      }
    });
  });

  it('does not block the event loop while migrations at startup wait for the lock, and fails clearly past the timeout', async () => {
    await withFile(async (file) => {
      const lock = holdWriteLock(file);
      const storage = openSqlite({ file, busyTimeoutMs: 300 });
      try {
        const turns = countLoopTurns();
        const error = await migrateToLatest(storage).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(turns.stop() >= 100, 'the event loop stood still while migrations waited');
        assert.ok(error instanceof Error, 'migrations should fail while the lock is held');
        assert.ok(error instanceof LockTimeoutError || error.cause instanceof LockTimeoutError, String(error));
      } finally {
        lock.release();
      }
      const second = holdWriteLock(file);
      const migrated = track(migrateToLatest(storage));
      await stepsWhilePending(migrated, () => sleep(0), 20);
      second.release();
      assert.ok((await migrated.promise).applied.length > 0);
      await storage.close();
    });
  });

  it('group commit: a lock timeout refuses the units whose time is up and retries the others', async () => {
    await withFile(async (file) => {
      const storage = openSqlite({ file, busyTimeoutMs: 5000 });
      try {
        await sql`create table notes (text text not null)`.execute(storage.db);
        let locked = true;
        const begins: number[] = [];
        // A runner whose lock stays taken until the first unit gives up.
        const runner: TransactionRunner = async (work, lockDeadline) => {
          begins.push(lockDeadline);
          while (locked) {
            if (monotonicNow() >= lockDeadline) throw new LockTimeoutError(0);
            await sleep(5);
          }
          return storage.db.transaction().execute(work);
        };
        const group = createGroupCommit(runner, { maxBatch: 10, lockTimeoutMs: 1000 });
        // Occupy the queue so that `first` and `second` (asked 700 ms apart) share the next batch.
        let openGate!: () => void;
        const gate = new Promise<void>((resolve) => (openGate = resolve));
        locked = false;
        const blocker = group.run(async () => void (await gate));
        for (let i = 0; i < 1000 && begins.length === 0; i++) await sleep(1);
        locked = true;
        const ran: string[] = [];
        const first = group.run(async (trx) => {
          ran.push('first');
          await sql`insert into notes (text) values ('first')`.execute(trx);
        });
        await sleep(700);
        const second = group.run(async (trx) => {
          ran.push('second');
          await sql`insert into notes (text) values ('second')`.execute(trx);
        });
        openGate();
        await blocker;
        await assert.rejects(first, LockTimeoutError);
        locked = false;
        await second;
        assert.deepEqual(ran, ['second']);
        assert.deepEqual((await sql<{ text: string }>`select text from notes`.execute(storage.db)).rows, [{ text: 'second' }]);
        // blocker's batch, the shared batch (gave up at first's deadline), second alone.
        assert.equal(begins.length, 3);
        assert.ok(begins[2]! > begins[1]!, "second's retry waits until its own deadline");
      } finally {
        await storage.close();
      }
    });
  });
});
