/**
 * Runs one database transaction so that the error that ended it is the one its caller sees.
 *
 * Issue 11 class 14: when SQLite hits a full disk (SQLITE_FULL) or an I/O error it may roll the
 * transaction back by itself (https://sqlite.org/lang_transaction.html, "Response To Errors Within
 * A Transaction"); the ROLLBACK that follows then fails with "cannot rollback - no transaction is
 * active", and Kysely's `transaction().execute()` throws that instead of the real cause. PostgreSQL
 * does the same when the connection dies mid-transaction. Here the failure of the work or of the
 * COMMIT is always the error thrown; a failed rollback is attached to it as `rollbackError`.
 */
import type { Db, Trx } from './storage.js';

/**
 * Attaches `rollbackError` to `error` (as an enumerable `rollbackError` property, so the log's
 * error serializer shows both) and returns `error`. A value that cannot carry a property (a
 * primitive, a frozen object) is wrapped in an Error whose `cause` is the original.
 */
export function withRollbackFailure(error: unknown, rollbackError: unknown): unknown {
  if (error !== null && typeof error === 'object' && Object.isExtensible(error)) {
    Object.defineProperty(error, 'rollbackError', { value: rollbackError, enumerable: true, configurable: true, writable: true });
    return error;
  }
  return Object.assign(new Error(`transaction failed: ${String(error)}`, { cause: error }), { rollbackError });
}

/**
 * Runs `work` in a transaction (begun by the dialect's driver: `BEGIN IMMEDIATE` on SQLite) and
 * commits it. On any failure, of `work` or of the COMMIT, rolls back and rethrows that failure;
 * a rollback that fails too never replaces it (see withRollbackFailure).
 */
export async function runTransaction<T>(db: Db, work: (trx: Trx) => Promise<T>): Promise<T> {
  const trx = await db.startTransaction().execute();
  try {
    const value = await work(trx);
    await trx.commit().execute();
    return value;
  } catch (error) {
    // Kysely releases the connection even when the rollback fails.
    const failure = await trx
      .rollback()
      .execute()
      .then(
        () => error,
        (rollbackError: unknown) => withRollbackFailure(error, rollbackError),
      );
    throw failure;
  }
}
