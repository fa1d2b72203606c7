/**
 * PostgreSQL through pg. int8 columns are parsed with BigInt so money stays exact. Write
 * transactions run at READ COMMITTED with explicit row locks (taken in id order by the callers);
 * serialization failures and deadlocks are retried here, a bounded number of times, so they never
 * reach a client as a 500.
 */
import pg from 'pg';
import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { preparedStatementName } from '../prepared-query.js';
import { postgresJournalWriter } from './postgres/journal-writer.js';
import { retryingConflicts } from './postgres/retry.js';
import { createQueryObservers } from '../query-observers.js';
import type { Database } from '../schema.js';
import type { Storage } from '../storage.js';
import { runTransaction } from '../transaction.js';

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  onIdleError?(error: Error): void;
}

export function createPgPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID
          ? (value: string) => BigInt(value)
          : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection can fail (server restart, admin termination). pg reports that as an 'error'
  // event on the pool; unhandled, it would crash the process. The pool drops the client itself, and
  // the next query opens a fresh one, so noting it is enough.
  pool.on('error', (error) => options.onIdleError?.(error));
  // A checked-out client has no pool listener: the pool removes it on acquire. If its connection is
  // lost between queries (the process was paused inside a transaction and PostgreSQL ended the
  // idle session, or the backend was terminated), the client emits 'error' with nobody listening
  // and Node would crash the whole process. Listen on every client for its lifetime; the error
  // still reaches its user, because the next query on a broken client fails (and rolls back), and
  // the pool drops the client when it is released. Found by the chaos test (test/chaos).
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * The pool as Kysely sees it, running the fixed-text statements of prepared queries as named
 * prepared statements: PostgreSQL parses and plans each once per connection instead of on every
 * run (a transfer runs a dozen of them). One wrapper per pg client, so Kysely keeps recognising it.
 */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((text: unknown, values?: unknown[]) => {
      const name = typeof text === 'string' ? preparedStatementName(text) : undefined;
      return name ? client.query({ name, text: text as string, values }) : client.query(text as string, values);
    }) as unknown as PostgresPoolClient['query'],
    release: () => client.release(),
  });
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) wrappers.set(client, (wrapper = wrap(client)));
      return wrapper;
    },
    end: () => pool.end(),
  };
}

export function openPostgres(options: PostgresOptions): Storage {
  const pool = createPgPool(options);
  const queries = createQueryObservers();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }), log: queries.log });
  return {
    dialect: 'postgres',
    journal: postgresJournalWriter,
    groupsLoneWrites: false,
    db,
    observeQueries: queries.subscribe,
    poolStats: () => ({ max: options.poolSize, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    writeTransaction: (work) => retryingConflicts(() => runTransaction(db, work)),
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      return true;
    },
    async close() {
      await db.destroy();
    },
  };
}
