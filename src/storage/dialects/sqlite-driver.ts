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
    readonly inner: DatabaseConnection,
    private readonly raw: SqliteDatabase.Database,
    private readonly lockTimeoutMs: number,
    /** Gives the connection up for `ms`, then takes it back (the caller holds it). */
    private readonly lendFor: (ms: number) => Promise<void>,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.raw.inTransaction) return this.inner.executeQuery<R>(query);
    // Outside a transaction a statement that fails with BUSY changed nothing: trying again is safe.
    return waitOutBusy(() => this.inner.executeQuery<R>(query), monotonicNow() + this.lockTimeoutMs, this.lendFor);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

export class LockWaitingSqliteDriver extends SqliteDriver {
  #connection: BusyRetryingConnection | undefined;
  #nextBeginDeadline: number | undefined;

  /** `raw` is the database behind `config.database`; `lockTimeoutMs` is how long a lock is waited for. */
  constructor(
    config: SqliteDialectConfig,
    private readonly raw: SqliteDatabase.Database,
    private readonly lockTimeoutMs: number,
  ) {
    super(config);
  }

  /**
   * The next BEGIN gives up at `deadline` (a `monotonicNow()` time) instead of `lockTimeoutMs` after
   * it starts. Call it only while holding the connection (inside `db.connection().execute`), so the
   * next BEGIN is the caller's own: the group commit uses it to honour its oldest unit's deadline.
   */
  setNextBeginDeadline(deadline: number): void {
    this.#nextBeginDeadline = deadline;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.#connection ??= new BusyRetryingConnection(inner, this.raw, this.lockTimeoutMs, (ms) => this.lendFor(ms));
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

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const deadline = this.#nextBeginDeadline ?? monotonicNow() + this.lockTimeoutMs;
    this.#nextBeginDeadline = undefined;
    const inner = innerOf(connection);
    // A BEGIN that failed left nothing pending on the connection: other queries may use it meanwhile.
    await waitOutBusy(() => inner.executeQuery(BEGIN_IMMEDIATE), deadline, (ms) => this.lendFor(ms));
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // SQLite keeps the transaction open when COMMIT meets BUSY, so it may be tried again; the
    // transaction holds the connection, so it is not lent out meanwhile.
    await waitOutBusy(() => innerOf(connection).executeQuery(COMMIT), monotonicNow() + this.lockTimeoutMs);
  }
}

const innerOf = (connection: DatabaseConnection): DatabaseConnection => (connection instanceof BusyRetryingConnection ? connection.inner : connection);

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
