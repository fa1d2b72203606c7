/**
 * `pg` against `postgres` (porsager's Postgres.js, which pipelines) under Kysely (issue 17 item 5):
 * the same transfer statement set through each driver, N concurrent clients, a fixed duration,
 * alternating, printing transfers/s and Node CPU µs per transfer.
 *
 * The statements are the unbatched PostgreSQL transfer as test/integration/transfer-round-trips.test.ts
 * pins it (PG_TRANSFER_BATCH_MAX=0, ten round trips): token liveness, BEGIN, claim the
 * Idempotency-Key, SAVEPOINT, payer + payee, the movement in one statement (lock both rows, debit,
 * credit, ledger row and its two entries: the shape of dialects/postgres/movement-sql.ts, without the
 * freeze/currency/bound facts), the notice, RELEASE, the stored response, COMMIT. They run on a
 * small schema of their own in a fresh database, created and dropped here. Every statement is sent
 * as fixed text with parameters (Kysely's CompiledQuery, no builder at run time); with `pg` as named
 * prepared statements (as src/storage/dialects/postgres.ts does), with `postgres` through its own
 * statement preparation (its default).
 *
 *   npx tsx bench/experiments/pg-drivers.ts --seconds 6 --clients 50 --pool 10 --rounds 3
 */
import crypto from 'node:crypto';
import { CompiledQuery, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import pg from 'pg';
import postgres from 'postgres';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = flag('seconds', 6);
const CLIENTS = flag('clients', 50);
const POOL = flag('pool', 10);
const ROUNDS = flag('rounds', 3);
const ACCOUNTS = 1000;
const ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const SCHEMA = `
  create table api_tokens (id text primary key, revoked_at bigint);
  create table accounts (id text primary key, number text unique not null, balance bigint not null check (balance >= 0));
  create table ledger_transactions (seq bigserial primary key, id text unique not null, created_at bigint not null);
  create table entries (transaction_seq bigint not null references ledger_transactions, account_id text not null references accounts,
                        amount bigint not null, balance_after bigint not null, created_at bigint not null);
  create index entries_account on entries (account_id, transaction_seq);
  create table idempotency_keys (key text primary key, response text, created_at bigint not null);
  create table notices (seq bigserial primary key, account_id text not null, body text not null, created_at bigint not null);
  insert into api_tokens select 't' || g, null from generate_series(1, ${ACCOUNTS}) g;
  insert into accounts select 'a' || g, 'n' || g, 1000000000 from generate_series(1, ${ACCOUNTS}) g;`;

const LIVENESS = 'select revoked_at from api_tokens where id = $1';
const CLAIM = 'insert into idempotency_keys (key, created_at) values ($1, $2) on conflict do nothing returning key';
const PARTIES = 'select id, number from accounts where id = $1 or number = $2';
const MOVEMENT = `
  with locked as materialized (select id, balance from accounts where id in ($1::text, $2::text) order by id for update),
  debited as (update accounts set balance = (select balance from locked where id = $1) - $3::bigint
              where id = $1 and (select balance from locked where id = $1) >= $3::bigint returning balance),
  credited as (update accounts set balance = (select balance from locked where id = $2) + $3::bigint
               where id = $2 and exists (select 1 from debited) returning balance),
  txn as (insert into ledger_transactions (id, created_at) select $4::text, $5::bigint where exists (select 1 from credited) returning seq),
  appended as (insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
               select txn.seq, e.account_id, e.amount, e.balance_after, $5::bigint from txn cross join (values
                 ($1::text, -$3::bigint, (select balance from debited)), ($2::text, $3::bigint, (select balance from credited))
               ) as e(account_id, amount, balance_after) returning 1)
  select (select balance from debited) as from_balance, (select balance from credited) as to_balance, (select count(*) from appended) as entries`;
const NOTICE = 'insert into notices (account_id, body, created_at) values ($1, $2, $3)';
const STORE = 'update idempotency_keys set response = $2 where key = $1';

type Db = Kysely<Record<string, never>>;
const q = (text: string, parameters: readonly unknown[]) => CompiledQuery.raw(text, parameters as unknown[]);

/** One transfer: ten round trips, as the unbatched PostgreSQL path sends them. */
async function transfer(db: Db): Promise<void> {
  const payer = 1 + Math.floor(Math.random() * ACCOUNTS);
  let payee = 1 + Math.floor(Math.random() * ACCOUNTS);
  if (payee === payer) payee = (payee % ACCOUNTS) + 1;
  const key = crypto.randomUUID();
  const now = Date.now();
  await db.executeQuery(q(LIVENESS, [`t${payer}`]));
  await db.transaction().execute(async (trx) => {
    await trx.executeQuery(q(CLAIM, [key, now]));
    await trx.executeQuery(q('savepoint movement', []));
    const parties = await trx.executeQuery<{ id: string; number: string }>(q(PARTIES, [`a${payer}`, `n${payee}`]));
    if (parties.rows.length !== 2) throw new Error('parties not found');
    const moved = await trx.executeQuery<{ from_balance: string | null }>(q(MOVEMENT, [`a${payer}`, `a${payee}`, 1 + (now % 100), key, now]));
    if (moved.rows[0]?.from_balance === null) throw new Error('refused');
    await trx.executeQuery(q(NOTICE, [`a${payee}`, `received from a${payer}`, now]));
    await trx.executeQuery(q('release savepoint movement', []));
    await trx.executeQuery(q(STORE, [key, '{"status":201}']));
  });
}

/** `pg` with every fixed-text statement as a named prepared statement, as the app's preparingPool. */
function pgDb(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  const names = new Map<string, string>();
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((text: string, values?: unknown[]) => {
      let name = names.get(text);
      if (!name) names.set(text, (name = `s${names.size}`));
      return client.query({ name, text, values });
    }) as unknown as PostgresPoolClient['query'],
    release: () => client.release(),
  });
  const preparing: PostgresPool = {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
  return new Kysely({ dialect: new PostgresDialect({ pool: preparing }) });
}

function postgresJsDb(url: string): Db {
  return new Kysely({ dialect: new PostgresJSDialect({ postgres: postgres(url, { max: POOL, prepare: true, onnotice: () => {} }) }) });
}

interface Figures {
  transfersPerSecond: number;
  cpuUsPerTransfer: number;
  errors: number;
}

async function drive(db: Db, seconds: number): Promise<Figures> {
  let done = 0;
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) {
        try {
          await transfer(db);
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { transfersPerSecond: done / ((performance.now() - started) / 1000), cpuUsPerTransfer: (used.user + used.system) / Math.max(1, done), errors };
}

async function main(): Promise<void> {
  const name = `minibank_drivers_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    const setup = new pg.Client({ connectionString: url.toString() });
    await setup.connect();
    await setup.query(SCHEMA);
    await setup.end();
    const drivers = { pg: pgDb, postgres: postgresJsDb } as const;
    const results: Record<string, Figures[]> = { pg: [], postgres: [] };
    console.log(`${CLIENTS} clients, pool ${POOL}, ${SECONDS} s per run, ${ROUNDS} rounds alternating; 10 round trips per transfer`);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['pg', 'postgres'] as const) : (['postgres', 'pg'] as const);
      for (const driver of order) {
        const db = drivers[driver](url.toString());
        await drive(db, 1); // warm-up: connections, prepared statements, the JIT
        const f = await drive(db, SECONDS);
        await db.destroy();
        results[driver]!.push(f);
        console.log(
          `round ${round + 1} ${driver.padEnd(8)} ${f.transfersPerSecond.toFixed(0).padStart(6)} transfers/s  ${f.cpuUsPerTransfer.toFixed(0).padStart(5)} us Node CPU/transfer  errors ${f.errors}`,
        );
      }
    }
    for (const [driver, list] of Object.entries(results)) {
      const mean = (pick: (f: Figures) => number) => list.reduce((s, f) => s + pick(f), 0) / list.length;
      console.log(
        `mean     ${driver.padEnd(8)} ${mean((f) => f.transfersPerSecond)
          .toFixed(0)
          .padStart(6)} transfers/s  ${mean((f) => f.cpuUsPerTransfer)
          .toFixed(0)
          .padStart(5)} us Node CPU/transfer`,
      );
    }
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
