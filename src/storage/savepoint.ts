import { fixedStatement } from './prepared-query.js';
import type { Trx } from './storage.js';
import { withRollbackFailure } from './transaction.js';

/** How work inside a savepoint ended: its value, or the error it threw (its writes undone). */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface Savepoint {
  /** Runs `work` inside this savepoint of the caller's transaction; its error is rethrown after the rollback. */
  run<T>(trx: Trx, work: () => Promise<T>): Promise<T>;
  /**
   * The same, but a failure of `work` is returned instead of thrown. A failure to roll back is
   * still thrown: it means the transaction itself is broken. What is thrown then is the failure of
   * `work` (the cause), with the rollback's failure attached as `rollbackError`.
   */
  settle<T>(trx: Trx, work: () => Promise<T>): Promise<Settled<T>>;
}

/**
 * A named savepoint: when its work throws, its writes are undone and the rest of the transaction
 * (for example an idempotency record, or other units sharing the group commit) carries on. The three
 * statements are compiled once; a savepoint is entered for every movement.
 */
export function savepoint(name: string): Savepoint {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('invalid savepoint name');
  const enter = fixedStatement(`savepoint ${name}`);
  const release = fixedStatement(`release savepoint ${name}`);
  const rollback = fixedStatement(`rollback to savepoint ${name}`);
  const settle = async <T>(trx: Trx, work: () => Promise<T>): Promise<Settled<T>> => {
    await enter(trx);
    try {
      const value = await work();
      await release(trx);
      return { ok: true, value };
    } catch (error) {
      try {
        await rollback(trx);
        await release(trx);
      } catch (rollbackError) {
        // The transaction itself is broken (SQLite may already have rolled it all back after
        // SQLITE_FULL or an I/O error): throw the work's error, the real cause, not "no such
        // savepoint" (issue 11 class 14).
        throw withRollbackFailure(error, rollbackError);
      }
      return { ok: false, error };
    }
  };
  return {
    settle,
    async run(trx, work) {
      const settled = await settle(trx, work);
      if (!settled.ok) throw settled.error;
      return settled.value;
    },
  };
}
