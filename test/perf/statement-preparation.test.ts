/**
 * No statement is prepared twice on one connection (issue 17 item 1). Preparing (parsing and
 * planning) costs more than running the small statements of a bank, and it can happen where no
 * JavaScript sees it: SQLite re-prepares a statement on every run when a bound value may change its
 * plan (a value compared with a partial index's condition, such as `kind = ?` against the index
 * `where kind = 'system'`), about 35 % of a transfer's SQLite instructions before the fix.
 *
 * The hot paths (sign-in by API and by form, GET /me, the dashboard, transfers, deposits and
 * withdrawals by API and by form, an idempotent replay, history by API and page, and this session's
 * holds, payment requests, notifications, ledger head and statement months: session-hot-paths.ts)
 * run once to warm up, then twice more, while this test counts:
 * - SQLite: every `prepare` through better-sqlite3 per connection and SQL text, and SQLite's own
 *   re-preparations per statement (sqlite3_stmt_status, read by the small extension stmt-status.c,
 *   compiled here with the C compiler; better-sqlite3 does not expose it);
 * - PostgreSQL: every Parse message of a named statement, per pool connection and name.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { DefaultQueryCompiler } from 'kysely';
import pg from 'pg';
import { auth, createHarness, dialects, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';
import { Browser, manualClock, signedIn } from '../pages/browser.js';
import { runSessionHotPaths } from './session-hot-paths.js';

type Raw = SqliteDatabase.Database;
type StatementStatus = Map<string, { reprepares: number; runs: number }>;

/** Compiles stmt-status.c once per version of its source; returns the shared library's path. */
function statusExtension(): string {
  const source = path.join(import.meta.dirname, 'stmt-status.c');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex').slice(0, 12);
  const library = path.join(os.tmpdir(), `minibank-stmt-status-${hash}.so`);
  if (!fs.existsSync(library)) {
    const include = path.resolve(import.meta.dirname, '../../node_modules/better-sqlite3/deps/sqlite3');
    const building = `${library}.${process.pid}`;
    execFileSync('cc', ['-O1', '-shared', '-fPIC', '-I', include, source, '-o', building]);
    fs.renameSync(building, library);
  }
  return library;
}

/** Counts better-sqlite3 prepares per connection and SQL text, and loads the status extension into every connection. */
function instrumentSqlite(library: string) {
  const connections = new Set<Raw>();
  const prepares = new Map<Raw, Map<string, number>>();
  const originalPrepare = SqliteDatabase.prototype.prepare;
  SqliteDatabase.prototype.prepare = function (this: Raw, source: string) {
    if (!connections.has(this)) {
      this.loadExtension(library);
      connections.add(this);
    }
    const counts = prepares.get(this) ?? new Map<string, number>();
    prepares.set(this, counts);
    counts.set(source, (counts.get(source) ?? 0) + 1);
    return originalPrepare.call(this, source);
  } as typeof originalPrepare;
  /** Reprepares and runs of every statement open on `raw`, by SQL text. */
  const status = (raw: Raw): StatementStatus => {
    const text = originalPrepare.call(raw, 'select stmt_status() as s').pluck().get() as string;
    const found: StatementStatus = new Map();
    for (const record of text.split('\x1e').filter(Boolean)) {
      const [reprepares, runs, ...sqlText] = record.split(' ');
      const sql = sqlText.join(' ');
      if (sql === 'select stmt_status() as s') continue;
      const seen = found.get(sql) ?? { reprepares: 0, runs: 0 };
      found.set(sql, { reprepares: seen.reprepares + Number(reprepares), runs: seen.runs + Number(runs) });
    }
    return found;
  };
  return { connections, prepares, status, restore: () => (SqliteDatabase.prototype.prepare = originalPrepare) };
}

/** Counts Parse messages of named statements per pg connection and statement name. */
function instrumentPg() {
  const parses = new Map<object, Map<string, number>>();
  const Connection = (pg as unknown as { Connection: { prototype: { parse(query: { name?: string }): void } } }).Connection;
  const originalParse = Connection.prototype.parse;
  Connection.prototype.parse = function (this: object, query: { name?: string }) {
    if (query.name) {
      const counts = parses.get(this) ?? new Map<string, number>();
      parses.set(this, counts);
      counts.set(query.name, (counts.get(query.name) ?? 0) + 1);
    }
    return originalParse.call(this, query);
  };
  return { parses, restore: () => (Connection.prototype.parse = originalParse) };
}

/** The SQL of every query Kysely's builder compiled while `work` ran (prepared queries compile once, on first use). */
async function compiledDuring(work: () => Promise<void>): Promise<string[]> {
  const compiled: string[] = [];
  const original = DefaultQueryCompiler.prototype.compileQuery;
  DefaultQueryCompiler.prototype.compileQuery = function (this: DefaultQueryCompiler, ...args: Parameters<typeof original>) {
    const query = original.apply(this, args);
    compiled.push(query.sql);
    return query;
  };
  try {
    await work();
  } finally {
    DefaultQueryCompiler.prototype.compileQuery = original;
  }
  return compiled;
}

/** Every hot path once, each answer checked (a path that failed early would prepare nothing). */
async function runHotPaths(h: Harness, alice: TestUser, bob: TestUser, round: number): Promise<void> {
  const ok = (res: { statusCode: number; body: string }, status: number, what: string) =>
    assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
  ok(await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: alice.username, password: PASSWORD } }), 200, 'API sign-in');
  const browser = new Browser(h.app);
  await browser.get('/login');
  assert.equal((await browser.post('/login', { username: alice.username, password: PASSWORD })).status, 303, 'form sign-in');
  ok(await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) }), 200, 'GET /me');
  assert.equal((await browser.get('/dashboard')).status, 200, 'dashboard');

  const keyed = (key: string) => ({ ...auth(alice), 'idempotency-key': `${key}-${round}` });
  ok(await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: keyed('d'), payload: { account_id: alice.accountId, amount: 500 } }), 201, 'deposit');
  ok(
    await h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: keyed('w'), payload: { account_id: alice.accountId, amount: 100 } }),
    201,
    'withdrawal',
  );
  const transfer = { from_account_id: alice.accountId, to: bob.accountNumber, amount: 150 };
  ok(await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: keyed('t'), payload: transfer }), 201, 'transfer');
  ok(await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: keyed('t'), payload: transfer }), 201, 'replayed transfer');
  const refused = { ...transfer, amount: 900_000 };
  ok(await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: keyed('r'), payload: refused }), 422, 'refused transfer');

  await browser.get('/transfer');
  const sent = await browser.post('/transfer', { to: bob.accountNumber, amount: '1', idempotency_key: browser.formKey(), step: 'confirm' });
  assert.equal(sent.status, 303, `web transfer: ${sent.body.slice(0, 300)}`);
  for (const page of ['/deposit', '/withdraw']) {
    await browser.get(page);
    const moved = await browser.post(page, { amount: '2', idempotency_key: browser.formKey() });
    assert.equal(moved.status, 303, `${page}: ${moved.body.slice(0, 300)}`);
  }
  ok(await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions`, headers: auth(alice) }), 200, 'history');
  assert.equal((await browser.get('/transactions')).status, 200, 'history page');
  await runSessionHotPaths(h, browser, alice, bob, round);
}

const twice = <K>(counts: Map<K, number>) => [...counts].filter(([, n]) => n > 1);

for (const dialect of await dialects()) {
  describe(`statement preparation on the hot paths (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    const sqlite = dialect === 'sqlite' ? instrumentSqlite(statusExtension()) : undefined;
    const postgres = dialect === 'postgres' ? instrumentPg() : undefined;
    let warm: Map<Raw, StatementStatus>;
    let done: Map<Raw, StatementStatus>;
    let builtOnTransfer: string[];

    before(async () => {
      h = await createHarness(dialect, { clock: manualClock() });
      ({ user: alice } = await signedIn(h, 'prep-alice'));
      bob = await h.user('prep-bob');
      await h.deposit(alice, 100_000);
      sqlite?.prepares.clear();
      postgres?.parses.clear();
      await runHotPaths(h, alice, bob, 1);
      const raws = () => [...(sqlite?.connections ?? [])].filter((raw) => raw.open);
      warm = new Map(raws().map((raw) => [raw, sqlite!.status(raw)]));
      await runHotPaths(h, alice, bob, 2);
      await runHotPaths(h, alice, bob, 3);
      done = new Map(raws().map((raw) => [raw, sqlite!.status(raw)]));
      builtOnTransfer = await compiledDuring(async () => {
        for (const key of ['c1', 'c2', 'c3']) {
          const headers = { ...auth(alice), 'idempotency-key': key };
          const res = await h.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers,
            payload: { from_account_id: alice.accountId, to: bob.accountNumber, amount: 7 },
          });
          assert.equal(res.statusCode, 201, res.body);
        }
      });
    });
    after(async () => {
      await h?.close();
      sqlite?.restore();
      postgres?.restore();
    });

    it('builds no query at run time for a warm API transfer (issue 17 item 4)', () => {
      assert.deepEqual(builtOnTransfer, []);
    });

    if (dialect === 'sqlite') {
      it('prepares each SQL text at most once per connection', () => {
        assert.ok(sqlite!.connections.size > 0, 'no connection was seen preparing');
        for (const counts of sqlite!.prepares.values()) assert.deepEqual(twice(counts), [], 'prepared more than once');
      });

      it('never has SQLite re-prepare a statement once warm', () => {
        let runs = 0;
        const reprepared: string[] = [];
        for (const [raw, after] of done) {
          for (const [sql, now] of after) {
            const before = warm.get(raw)?.get(sql) ?? { reprepares: 0, runs: 0 };
            runs += now.runs - before.runs;
            if (now.reprepares > before.reprepares) reprepared.push(`${now.reprepares - before.reprepares}x in ${now.runs - before.runs} runs: ${sql}`);
          }
        }
        // Two rounds of a dozen requests run well over a hundred statements: proof the counters count.
        assert.ok(runs > 100, `only ${runs} statement runs were counted`);
        assert.deepEqual(reprepared, []);
      });
    } else {
      it('parses each named statement at most once per pool connection', () => {
        assert.ok(postgres!.parses.size > 0, 'no named statement was parsed');
        for (const counts of postgres!.parses.values()) assert.deepEqual(twice(counts), [], 'parsed more than once on one connection');
      });
    }
  });
}
