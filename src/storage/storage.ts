/**
 * What the rest of the code needs from a database: a Kysely handle for reads, a write transaction
 * with the dialect's locking and retry rules, and a clean close.
 */
import type { Kysely, Transaction } from 'kysely';
import type { JournalWriter } from './journal-writer.js';
import type { QueryListener } from './query-observers.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

export interface Storage {
  readonly dialect: Dialect;
  readonly db: Db;
  /** The one way a movement reaches the ledger, this database's (journal-writer.ts, issue 12 item 1). */
  readonly journal: JournalWriter;
  /**
   * True when a lone write costs less inside `writeTransaction` than on its own: SQLite's commit
   * waits for an fsync on the event loop, and a write transaction shares the group commit.
   */
  readonly groupsLoneWrites: boolean;
  /**
   * Runs `work` in one write transaction: `BEGIN IMMEDIATE` on SQLite (the write lock is taken up
   * front, so two writers never deadlock on upgrade), and on PostgreSQL retried a bounded number of
   * times on serialization failures and deadlocks. `work` may therefore run more than once and must
   * not have effects outside the transaction. On SQLite, when another process holds the write lock
   * past SQLITE_BUSY_TIMEOUT_MS, it throws `LockTimeoutError` (503 `unavailable`) before `work` ran.
   */
  writeTransaction<T>(work: (trx: Trx) => Promise<T>): Promise<T>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  /** Subscribes to every query's kind and duration (metrics); returns the unsubscribe function. */
  observeQueries(listener: QueryListener): () => void;
  /** Connection pool occupancy (PostgreSQL); null where there is no pool (SQLite's one connection). */
  poolStats(): PoolStats | null;
  close(): Promise<void>;
}

export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

/** True when `error` is a unique-constraint violation on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True when `error` is a CHECK-constraint violation (for example a negative user balance). */
export function isCheckViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23514' || e?.code === 'SQLITE_CONSTRAINT_CHECK';
}
