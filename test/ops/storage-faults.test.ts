/**
 * Issue 11 class 14: the real cause of a storage failure reaches the log and the caller, never the
 * failure of the rollback that followed it ("cannot rollback - no transaction is active"); the
 * client gets 503 `unavailable` and nothing moves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { isStorageUnavailable } from '../../src/storage/storage-faults.js';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness, type TestUser, withHarness } from '../helpers/harness.js';
import { loggedApp } from '../security/log-capture.js';

const deposit = (app: Harness['app'], user: TestUser, amount: number) =>
  app.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount } });

/** The JSON log lines at level error (50). */
const errorLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { code?: string; message?: string; rollbackError?: { message?: string } } })
    .filter((line) => line.level >= 50);

describe('storage faults (sqlite, a full database file)', () => {
  it('answers 503 unavailable for a deposit that hits SQLITE_FULL, logs SQLITE_FULL rather than the rollback failure, and moves nothing', async () => {
    const h = await createHarness('sqlite');
    const logged = await loggedApp(h);
    try {
      const user = await h.user('full-disk');
      await h.deposit(user, 100);
      const db = h.app.ctx.storage.db;
      // The file may not grow by a single page from now on: the next page a write needs fails with SQLITE_FULL.
      const pages = await sql<{ page_count: bigint }>`pragma page_count`.execute(db);
      await sql.raw(`pragma max_page_count = ${pages.rows[0]!.page_count}`).execute(db);
      let refused: Awaited<ReturnType<typeof deposit>> | undefined;
      let before = '';
      // A deposit may still fit into free space on existing pages; at most 200 tries fill them.
      for (let i = 0; i < 200 && !refused; i++) {
        before = await ledgerSnapshot(h.app);
        const res = await deposit(logged.app, user, 1);
        if (res.statusCode !== 201) refused = res;
      }
      assert.ok(refused, 'a deposit was refused once the file could not grow');
      assert.equal(refused.statusCode, 503);
      assert.equal(refused.json().error.code, 'unavailable');
      assert.ok(refused.json().error.request_id);
      assert.doesNotMatch(refused.body, /SQLITE|rollback/i, 'the client is told nothing internal');
      assert.equal(await ledgerSnapshot(h.app), before, 'the refused deposit moved nothing');
      const errors = errorLines(logged.logText());
      assert.ok(
        errors.some((line) => line.err?.code === 'SQLITE_FULL'),
        `the log names SQLITE_FULL: ${JSON.stringify(errors)}`,
      );
      assert.ok(!errors.some((line) => /cannot rollback/.test(line.err?.message ?? '')), 'the rollback failure does not replace the cause');
    } finally {
      await logged.close();
      await h.close();
    }
  });
});

for (const dialect of await dialects()) {
  describe(`storage faults (${dialect})`, () => {
    it('throws the work’s own error when the database already ended the transaction, with the rollback failure attached', async () => {
      await withHarness(dialect, async (h) => {
        const storage = h.app.ctx.storage;
        const failure = await storage
          .writeTransaction(async (trx) => {
            // What SQLite does by itself after SQLITE_FULL or an I/O error: the transaction is gone.
            await sql`rollback`.execute(trx);
            throw Object.assign(new Error('disk full (simulated)'), { code: 'SQLITE_FULL' });
          })
          .then(
            () => assert.fail('the transaction should fail'),
            (error: unknown) => error as Error & { code?: string; rollbackError?: Error },
          );
        assert.equal(failure.message, 'disk full (simulated)');
        assert.equal(failure.code, 'SQLITE_FULL');
        if (dialect === 'sqlite') assert.match(String(failure.rollbackError?.message), /no such savepoint|no transaction is active/);
        // The connection is usable afterwards: the next write commits.
        const value = await storage.writeTransaction(async (trx) => (await sql<{ one: number }>`select 1 as one`.execute(trx)).rows[0]?.one);
        assert.equal(Number(value), 1);
      });
    });

    it('answers 503 unavailable when a movement fails with a storage fault half-way, and moves nothing', async () => {
      const code = dialect === 'sqlite' ? 'SQLITE_IOERR_WRITE' : '53100';
      let armed = false;
      const h = await createHarness(dialect, {
        faults: {
          afterDebit() {
            if (armed) throw Object.assign(new Error(`injected storage fault ${code}`), { code });
          },
        },
      });
      try {
        const payer = await h.user('fault-payer');
        const payee = await h.user('fault-payee');
        await h.deposit(payer, 1000);
        const before = await ledgerSnapshot(h.app);
        armed = true;
        const res = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: auth(payer),
          payload: { from_account_id: payer.accountId, to: payee.username, amount: 400 },
        });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().error.code, 'unavailable');
        assert.doesNotMatch(res.body, /injected|53100|SQLITE/);
        assert.equal(await ledgerSnapshot(h.app), before);
      } finally {
        await h.close();
      }
    });

    if (dialect === 'postgres') {
      it('reports the lost connection itself (57P01), not the failed rollback, when the server ends the session mid-transaction', async () => {
        await withHarness(dialect, async (h) => {
          const failure = await h.app.ctx.storage
            .writeTransaction(async (trx) => {
              await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
            })
            .then(
              () => assert.fail('the transaction should fail'),
              (error: unknown) => error as Error & { code?: string },
            );
          assert.equal(failure.code, '57P01', String(failure));
          assert.ok(isStorageUnavailable(failure));
        });
      });
    }
  });
}

describe('storage faults: which errors are a 503', () => {
  it('counts full disks, I/O errors, busy locks and lost connections as unavailable, and constraint violations and bugs as not', () => {
    for (const code of [
      'SQLITE_FULL',
      'SQLITE_IOERR',
      'SQLITE_IOERR_WRITE',
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      'SQLITE_READONLY',
      '53100',
      '53300',
      '08006',
      '57P01',
      '58030',
    ]) {
      assert.equal(isStorageUnavailable(Object.assign(new Error(code), { code })), true, code);
    }
    for (const code of ['SQLITE_CONSTRAINT_CHECK', 'SQLITE_ERROR', '23505', '40001', '42P01', undefined]) {
      assert.equal(isStorageUnavailable(Object.assign(new Error(String(code)), { code })), false, String(code));
    }
    assert.equal(isStorageUnavailable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'SQLITE_FULL' }) })), true);
    assert.equal(isStorageUnavailable(null), false);
  });
});
