/**
 * Kysely's SQLite driver with minibank's locking rules:
 * - writers take the write lock up front (`BEGIN IMMEDIATE`), so two writers never deadlock on upgrade;
 * - meeting a lock held by another process never blocks the event loop (issue 11 class 13, see
 *   lock-wait.ts). The connection runs with `busy_timeout = 0`; a BEGIN, or a statement outside a
 *   transaction, that meets the lock is retried on a timer, and the connection is lent to other
 *   queries meanwhile (nothing is pending on it; reads need no write lock in WAL mode, so pages keep
 *   working). A COMMIT that meets BUSY is retried holding the connection (its transaction is open).
 *   Past the deadline: `LockTimeoutError` (503 `unavailable`), nothing written.
 *
 * A BUSY on a statement inside a transaction is not retried: SQLite wants that transaction rolled
 * back (https://sqlite.org/rescode.html#busy), which happens as the error leaves the transaction.
 * With the write lock taken by BEGIN IMMEDIATE and WAL mode it is not expected.
 */
import type SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig } from 'kysely';
import { monotonicNow, sleep, waitOutBusy } from '../lock-wait.js';

const BEGIN_IMMEDIATE = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');

/** The single connection, retrying statements that run outside a transaction when they meet BUSY. */
class BusyRetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly raw: SqliteDatabase.Database,
    /** When the statement about to run stops waiting for a lock (`monotonicNow()` time). */
    private readonly lockDeadline: () => number,
    /** Gives the connection up for `ms`, then takes it back (the caller holds it). */
    private readonly lendFor: (ms: number) => Promise<void>,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.raw.inTransaction) return this.inner.executeQuery<R>(query);
    // Outside a transaction (BEGIN included) a statement that fails with BUSY changed nothing and
    // left nothing pending: trying again is safe, and other queries may use the connection meanwhile.
    return waitOutBusy(() => this.inner.executeQuery<R>(query), this.lockDeadline(), this.lendFor);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

export class LockWaitingSqliteDriver extends SqliteDriver {
  #connection: BusyRetryingConnection | undefined;
  #nextLockDeadline: number | undefined;

  /** `raw` is the database behind `config.database`; `lockTimeoutMs` is how long a lock is waited for. */
  constructor(
    config: SqliteDialectConfig,
    private readonly raw: SqliteDatabase.Database,
    private readonly lockTimeoutMs: number,
  ) {
    super(config);
  }

  /**
   * The next statement outside a transaction (the next BEGIN) gives up waiting for a lock at
   * `deadline` (a `monotonicNow()` time) instead of `lockTimeoutMs` after it starts. Call it only
   * while holding the connection (inside `db.connection().execute`), right before that BEGIN: the
   * group commit uses it to honour its oldest unit's deadline.
   */
  setNextLockDeadline(deadline: number): void {
    this.#nextLockDeadline = deadline;
  }

  #takeLockDeadline(): number {
    const deadline = this.#nextLockDeadline ?? monotonicNow() + this.lockTimeoutMs;
    this.#nextLockDeadline = undefined;
    return deadline;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    // One wrapper for the one connection: Kysely adds its query log to the object it is given.
    this.#connection ??= new BusyRetryingConnection(
      inner,
      this.raw,
      () => this.#takeLockDeadline(),
      (ms) => this.lendFor(ms),
    );
    return this.#connection;
  }

  /** Lets other queries use the connection for `ms` (only when nothing is pending on it), then takes it back. */
  private async lendFor(ms: number): Promise<void> {
    await this.releaseConnection();
    try {
      await sleep(ms);
    } finally {
      await super.acquireConnection();
    }
  }

  /** `BEGIN IMMEDIATE`, waited for like any statement outside a transaction (BusyRetryingConnection). */
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite keeps the transaction open when COMMIT meets BUSY, so it may be tried again; the
    // transaction holds the connection, so it is not lent out meanwhile.
    await waitOutBusy(() => connection.executeQuery(COMMIT), monotonicNow() + this.lockTimeoutMs);
  }
}

/** Kysely's SQLite dialect, handing out the one driver given (so its owner can reach it). */
export class LockWaitingSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly driver: LockWaitingSqliteDriver,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return this.driver;
  }
}
