/**
 * Builds a real minibank app for one test, on a fresh SQLite file or a fresh PostgreSQL database,
 * with small helpers for the API calls most tests need. Prefer `withHarness`, which closes it;
 * with `createHarness`, always `await harness.close()`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Clock, FaultHooks } from '../../src/app/context.js';
import { loadConfig, type Config } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import type { Dialect } from '../../src/storage/storage.js';
import { createTempPgDatabase, postgresAvailable } from './postgres.js';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const PASSWORD = 'a long enough test passphrase';

/** The dialects to run a suite on: SQLite always, PostgreSQL when a server answers (always in CI). */
export async function dialects(): Promise<Dialect[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface HarnessOptions {
  config?: Partial<Config>;
  clock?: Clock;
  faults?: FaultHooks;
}

export interface TestUser {
  username: string;
  token: string;
  userId: string;
  accountId: string;
  accountNumber: string;
}

export interface Harness {
  app: FastifyInstance;
  config: Config;
  dataDir: string;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Signs up and signs in a user; returns their token and first account. */
  user(username: string): Promise<TestUser>;
  deposit(user: TestUser, amount: number): Promise<void>;
  balance(accountId: string): Promise<bigint>;
  close(): Promise<void>;
}

export async function createHarness(dialect: Dialect, options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-test-'));
  const pgDb = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
  // Rate limits are off unless a test turns them on: suites fire many requests from one address.
  // SQLITE_WRITE_WORKER=on|off in the test's environment picks where movements commit (issue 17 item 3).
  const config = loadConfig(
    { SQLITE_WRITE_WORKER: process.env.SQLITE_WRITE_WORKER },
    { dataDir, secret: TEST_SECRET, databaseUrl: pgDb?.url ?? '', dbPoolSize: 10, rateLimits: false, ...options.config },
  );
  const app = await buildApp({ config, clock: options.clock, faults: options.faults });
  await app.ready();

  const harness: Harness = {
    app,
    config,
    dataDir,
    inject: (o) => app.inject(o),
    async user(username) {
      const signup = await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { username, password: PASSWORD } });
      if (signup.statusCode !== 201) throw new Error(`signup ${username}: ${signup.statusCode} ${signup.body}`);
      const { user, account } = signup.json();
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password: PASSWORD } });
      if (login.statusCode !== 200) throw new Error(`token ${username}: ${login.statusCode} ${login.body}`);
      return { username, token: login.json().access_token, userId: user.id, accountId: account.id, accountNumber: account.number };
    },
    async deposit(user, amount) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount } });
      if (res.statusCode !== 201) throw new Error(`deposit: ${res.statusCode} ${res.body}`);
    },
    async balance(accountId) {
      const row = await app.ctx.storage.db.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow();
      return BigInt(row.balance);
    },
    async close() {
      await app.close();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * Builds an app on `dialect`, runs `fn` with it and closes it however `fn` ends (issue 12 item 5:
 * one place instead of a try/finally in every test). Returns what `fn` returns.
 */
export async function withHarness<T>(dialect: Dialect, fn: (h: Harness) => Promise<T>): Promise<T>;
export async function withHarness<T>(dialect: Dialect, options: HarnessOptions, fn: (h: Harness) => Promise<T>): Promise<T>;
export async function withHarness<T>(dialect: Dialect, ...args: [(h: Harness) => Promise<T>] | [HarnessOptions, (h: Harness) => Promise<T>]): Promise<T> {
  const [options, fn] = args.length === 1 ? [{}, args[0]] : args;
  return closingAfter(await createHarness(dialect, options), fn);
}

/** Runs `fn` with a harness a suite built its own way (a clock, a config) and closes it however `fn` ends. */
export async function closingAfter<T>(h: Harness, fn: (h: Harness) => Promise<T>): Promise<T> {
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}

/**
 * Waits for progress, not for wall time (issue 12 item 10): polls `condition` up to `attempts`
 * times, yielding `pauseMs` between polls, and throws naming `what` if it never held. The bound
 * is a count, so a busy machine makes the wait longer, never the test wrong.
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, { attempts = 500, pauseMs = 10 } = {}): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`gave up waiting for ${what} after ${attempts} polls`);
}

/** PostgreSQL only: waits until some session of the test's database is blocked on a row lock (pg_stat_activity). */
export async function waitForLockWait(h: Harness): Promise<void> {
  await waitFor('a session to wait for a row lock', async () => {
    const rows = await sql<{ n: bigint }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(
      h.app.ctx.storage.db,
    );
    return BigInt(rows.rows[0]!.n) > 0n;
  });
}

export const auth = (user: { token: string }) => ({ authorization: `Bearer ${user.token}` });

/** A snapshot of everything money-related, to prove a refused request changed nothing. */
export async function ledgerSnapshot(app: FastifyInstance): Promise<string> {
  const db = app.ctx.storage.db;
  const accounts = await db.selectFrom('accounts').select(['id', 'balance', 'status']).orderBy('id').execute();
  const entries = await db
    .selectFrom('entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const txns = await db
    .selectFrom('ledger_transactions')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const users = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return JSON.stringify({ accounts, entries: entries.n, txns: txns.n, users: users.n }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
