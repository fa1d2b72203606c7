/**
 * Failures half-way through a money movement must leave nothing moved, and `verify` must notice
 * books that were tampered with by hand.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, createHarness, dialects, ledgerSnapshot, withHarness } from '../helpers/harness.js';

for (const dialect of await dialects()) {
  describe(`ledger faults (${dialect})`, () => {
    // SQLite debits and credits in two statements; PostgreSQL moves the money in one statement, so
    // there the fault comes at the closest point: after it, with the movement written, uncommitted.
    it('moves nothing when the process fails half-way through a movement (between debit and credit)', async () => {
      let armed = false;
      let payerAccountId = '';
      const fired: string[] = [];
      const h = await createHarness(dialect, {
        faults: {
          async afterDebit() {
            if (!armed) return;
            // On PostgreSQL the movement's statement has run: the payer's row is locked by it.
            const probe =
              dialect === 'postgres' ? sql`select id from accounts where id = ${payerAccountId} for update nowait`.execute(h.app.ctx.storage.db) : undefined;
            fired.push(
              probe
                ? await probe.then(
                    () => 'unlocked',
                    (e: Error & { code?: string }) => (e.code === '55P03' ? 'locked' : String(e)),
                  )
                : 'fired',
            );
            throw new Error('injected crash between debit and credit');
          },
        },
      });
      try {
        const payer = await h.user('fault-payer');
        payerAccountId = payer.accountId;
        const payee = await h.user('fault-payee');
        await h.deposit(payer, 1000);
        const before = await ledgerSnapshot(h.app);
        armed = true;
        for (const key of [undefined, 'fault-key']) {
          const res = await h.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers: { ...auth(payer), ...(key ? { 'idempotency-key': key } : {}) },
            payload: { from_account_id: payer.accountId, to: payee.username, amount: 400 },
          });
          assert.equal(res.statusCode, 500);
          assert.equal(res.json().error.code, 'internal_error');
          assert.ok(res.json().error.request_id, 'a 500 carries a request id to quote');
          assert.doesNotMatch(res.body, /injected crash|at .*\.ts/, 'no internals leak');
        }
        assert.deepEqual(fired, dialect === 'postgres' ? ['locked', 'locked'] : ['fired', 'fired']);
        assert.equal(await ledgerSnapshot(h.app), before);
        // The key was not consumed by the failed attempt: a retry after recovery succeeds, once.
        armed = false;
        const retry = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(payer), 'idempotency-key': 'fault-key' },
          payload: { from_account_id: payer.accountId, to: payee.username, amount: 400 },
        });
        assert.equal(retry.statusCode, 201);
        assert.equal(retry.headers['idempotent-replayed'], undefined);
        assert.equal(await h.balance(payer.accountId), 600n);
        assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
      } finally {
        await h.close();
      }
    });

    it('refuses UPDATE and DELETE of ledger entries at the database level', async () => {
      await withHarness(dialect, async (h) => {
        const u = await h.user('append-only');
        await h.deposit(u, 10);
        const db = h.app.ctx.storage.db;
        await assert.rejects(sql`update entries set amount = 999`.execute(db), /append-only/);
        await assert.rejects(sql`delete from entries`.execute(db), /append-only/);
        await assert.rejects(sql`delete from ledger_transactions`.execute(db), /append-only/);
      });
    });

    it('refuses a negative user balance in the schema itself', async () => {
      await withHarness(dialect, async (h) => {
        const u = await h.user('check-constraint');
        const db = h.app.ctx.storage.db;
        await assert.rejects(sql`update accounts set balance = -1 where id = ${u.accountId}`.execute(db));
        assert.equal(await h.balance(u.accountId), 0n);
      });
    });

    it('verify passes on a busy database and fails on one tampered with by hand', async () => {
      await withHarness(dialect, async (h) => {
        const users = await Promise.all(['busy-a', 'busy-b', 'busy-c'].map((n) => h.user(n)));
        for (const u of users) await h.deposit(u, 5000);
        await Promise.all(
          Array.from({ length: 60 }, (_, i) => {
            const from = users[i % 3]!;
            const to = users[(i + 1) % 3]!;
            return h.inject({
              method: 'POST',
              url: '/api/v1/transfers',
              headers: auth(from),
              payload: { from_account_id: from.accountId, to: to.username, amount: 1 + i * 13 },
            });
          }),
        );
        const sound = cli(['verify'], h);
        assert.equal(sound.status, 0, sound.stdout + sound.stderr);
        assert.match(sound.stdout, /books are sound/);

        // Tamper: bump a cached balance without an entry, as someone editing the database by hand.
        await sql`update accounts set balance = balance + 1 where id = ${users[0]!.accountId}`.execute(h.app.ctx.storage.db);
        const report = await verifyBooks(h.app.ctx.storage.db);
        assert.equal(report.ok, false);
        const tampered = cli(['verify'], h);
        assert.equal(tampered.status, 1);
        assert.match(tampered.stdout, /caches balance/);
        assert.match(tampered.stdout, /sum to 1, not zero/);
      });
    });
  });
}

function cli(args: string[], h: { config: { dataDir: string; databaseUrl: string } }) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: h.config.dataDir, DATABASE_URL: h.config.databaseUrl, SECRET: 'x'.repeat(40) },
    timeout: 60_000,
  });
}
