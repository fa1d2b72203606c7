/**
 * Issue 11 class 5, numbers past their bounds: every stored amount stays within MAX_BALANCE_MINOR
 * (2^53-1) either way (user balances within 0..MAX). A movement that would break a bound is 422
 * limit_reached and moves nothing, on both databases; `verify` reports any stored value (a float
 * SQLite wrote, a value past the bound, a sum the database cannot compute) instead of crashing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { verifyBooks } from '../../src/app/verify-books.js';
import { INT64_MAX, MAX_BALANCE_MINOR } from '../../src/domain/money.js';
import type { Db } from '../../src/storage/storage.js';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness, type TestUser, withHarness } from '../helpers/harness.js';

/**
 * Books a deposit of any size by writing its rows directly (MAX_AMOUNT_MINOR keeps the API far
 * below the bound): a ledger transaction, its two entries and both balances, so the books stay sound.
 */
async function bookDeposit(db: Db, accountId: string, amount: bigint): Promise<void> {
  const cash = await db.selectFrom('accounts').select(['id', 'balance']).where('kind', '=', 'system').executeTakeFirstOrThrow();
  const user = await db.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow();
  const [cashAfter, userAfter] = [BigInt(cash.balance) - amount, BigInt(user.balance) + amount];
  const { seq } = await db
    .insertInto('ledger_transactions')
    .values({ id: crypto.randomUUID(), type: 'deposit', memo: null, actor_user_id: null, created_at: 1n })
    .returning('seq')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('entries')
    .values([
      { transaction_seq: seq, account_id: cash.id, amount: -amount, balance_after: cashAfter, created_at: 1n },
      { transaction_seq: seq, account_id: accountId, amount, balance_after: userAfter, created_at: 1n },
    ])
    .execute();
  await db.updateTable('accounts').set({ balance: cashAfter }).where('id', '=', cash.id).execute();
  await db.updateTable('accounts').set({ balance: userAfter }).where('id', '=', accountId).execute();
}

const post = (h: Harness, path: string, user: TestUser, amount: number, key?: string) =>
  h.inject({
    method: 'POST',
    url: `/api/v1/${path}`,
    headers: { ...auth(user), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { account_id: user.accountId, amount },
  });

for (const dialect of await dialects()) {
  describe(`numbers past their bounds (${dialect})`, () => {
    it('refuses a deposit that would take the cash account past the bound with 422 limit_reached, moving nothing', async () => {
      await withHarness(dialect, async (h) => {
        const [whale, alice] = [await h.user('whale'), await h.user('alice')];
        const db = h.app.ctx.storage.db;
        await bookDeposit(db, whale.accountId, MAX_BALANCE_MINOR - 5n);
        assert.deepEqual((await verifyBooks(db)).problems, [], 'the set-up is sound books');

        for (const [amount, key] of [
          [6, 'over-by-one'],
          [1_000_000, undefined],
        ] as const) {
          const before = await ledgerSnapshot(h.app);
          const res = await post(h, 'deposits', alice, amount, key);
          assert.equal(res.statusCode, 422, res.body);
          assert.deepEqual([res.json().error.code, res.json().error.param], ['limit_reached', 'amount']);
          assert.equal(await ledgerSnapshot(h.app), before, 'a refusal moved nothing');
        }
        // The refusal is kept with its key, like any other.
        const replay = await post(h, 'deposits', alice, 6, 'over-by-one');
        assert.deepEqual([replay.statusCode, replay.headers['idempotent-replayed'], replay.json().error.code], [422, 'true', 'limit_reached']);

        // Exactly up to the bound is fine; then nothing more comes in, but money can still go out.
        assert.equal((await post(h, 'deposits', alice, 5)).statusCode, 201);
        const cash = await db.selectFrom('accounts').select('balance').where('kind', '=', 'system').executeTakeFirstOrThrow();
        assert.equal(BigInt(cash.balance), -MAX_BALANCE_MINOR);
        assert.equal((await post(h, 'deposits', whale, 1)).json().error.code, 'limit_reached');
        assert.equal((await post(h, 'withdrawals', alice, 2)).statusCode, 201);
        assert.equal((await post(h, 'deposits', alice, 2)).statusCode, 201);
        assert.deepEqual((await verifyBooks(db)).problems, []);
      });
    });

    it('refuses a transfer that would take the payee past the bound, whatever was stored there', async () => {
      await withHarness(dialect, async (h) => {
        const [payer, full] = [await h.user('payer'), await h.user('full')];
        await h.deposit(payer, 100);
        const db = h.app.ctx.storage.db;
        // Stored by hand: a balance already at, and one already past, the bound (damaged books).
        for (const stored of [MAX_BALANCE_MINOR, MAX_BALANCE_MINOR + 1000n, INT64_MAX]) {
          await sql`update accounts set balance = ${stored} where id = ${full.accountId}`.execute(db);
          const before = await ledgerSnapshot(h.app);
          const res = await h.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers: auth(payer),
            payload: { from_account_id: payer.accountId, to: full.accountNumber, amount: 1 },
          });
          assert.equal(res.statusCode, 422, `${stored}: ${res.body}`);
          assert.equal(res.json().error.code, 'limit_reached');
          assert.equal(await ledgerSnapshot(h.app), before);
        }
        // A deposit into it is refused too (the payee side of a deposit), not a 500.
        assert.equal((await post(h, 'deposits', full, 1)).json().error.code, 'limit_reached');
      });
    });

    it('verify reports values past the bound and sums it cannot trust, and never crashes', async () => {
      await withHarness(dialect, async (h) => {
        const [a, b] = [await h.user('verify-a'), await h.user('verify-b')];
        await h.deposit(a, 100);
        const db = h.app.ctx.storage.db;
        await sql`update accounts set balance = ${INT64_MAX} where id = ${a.accountId}`.execute(db);
        await sql`update accounts set balance = ${INT64_MAX} where id = ${b.accountId}`.execute(db);
        const report = await verifyBooks(db);
        assert.equal(report.ok, false);
        const text = report.problems.join('\n');
        assert.match(text, new RegExp(`account ${a.accountNumber} holds balance ${INT64_MAX}, not a whole number within`));
        assert.match(text, new RegExp(`account ${b.accountNumber} holds balance ${INT64_MAX}`));
        // Two int64 maxima cannot be summed in SQLite (integer overflow); PostgreSQL sums in numeric.
        assert.match(
          text,
          dialect === 'sqlite' ? /could not check that the balances of each currency sum to zero: integer overflow/ : /balances in USD sum to \d{19,}/,
        );
      });
    });

    if (dialect === 'sqlite') {
      it('verify reports a float SQLite stored in place of an amount, on the command line too', async () => {
        const h = await createHarness(dialect);
        try {
          const a = await h.user('floaty');
          await h.deposit(a, 100);
          const db = h.app.ctx.storage.db;
          // What SQLite does when integer arithmetic overflows: the value silently becomes a REAL.
          await sql`update accounts set balance = balance * 1e19 where kind = 'system'`.execute(db);
          await sql`update accounts set balance = 1.5 where id = ${a.accountId}`.execute(db);
          const { seq } = await db
            .insertInto('ledger_transactions')
            .values({ id: 'float-txn', type: 'deposit', memo: null, actor_user_id: null, created_at: 1n })
            .returning('seq')
            .executeTakeFirstOrThrow();
          await sql`insert into entries (transaction_seq, account_id, amount, balance_after, created_at) values (${seq}, ${a.accountId}, 2.5, 1e300, 1)`.execute(
            db,
          );
          const stored = await sql<{ t: string }>`select typeof(balance) as t from accounts where id = ${a.accountId}`.execute(db);
          assert.equal(stored.rows[0]!.t, 'real', 'the set-up really stored a float');

          const report = await verifyBooks(db);
          assert.equal(report.ok, false);
          const text = report.problems.join('\n');
          assert.match(text, new RegExp(`account ${a.accountNumber} holds balance 1.5, not a whole number`));
          assert.match(text, /holds balance -?[0-9.e+]+, not a whole number/);
          assert.match(text, /transaction float-txn has an entry with amount 2.5/);
          assert.match(text, /transaction float-txn has an entry with balance_after 1(\.0)?e\+300/);

          // A movement touching a damaged balance is refused, not a 500, and writes nothing.
          const before = await ledgerSnapshot(h.app);
          assert.equal((await post(h, 'deposits', a, 1)).json().error.code, 'limit_reached');
          assert.equal(await ledgerSnapshot(h.app), before);

          await h.app.close();
          const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify'], {
            encoding: 'utf8',
            env: { ...process.env, DATA_DIR: h.config.dataDir, DATABASE_URL: '', SECRET: 'x'.repeat(40) },
            timeout: 60_000,
          });
          assert.equal(cli.status, 1, cli.stdout + cli.stderr);
          assert.match(cli.stdout, /holds balance 1.5, not a whole number/, cli.stderr);
          assert.doesNotMatch(cli.stderr, /SyntaxError|RangeError|at /);
        } finally {
          await h.close().catch(() => {});
        }
      });
    }
  });
}
