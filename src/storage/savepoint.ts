import { fixedStatement } from './prepared-query.js';
import type { Db, Trx } from './storage.js';

export interface Savepoint {
  /** Runs `work` inside this savepoint of the caller's transaction. */
  run<T>(trx: Trx, work: () => Promise<T>): Promise<T>;
}

/**
 * A named savepoint: when its work throws, its writes are undone and the rest of the transaction
 * (for example an idempotency record, or other movements sharing the commit) carries on. The three
 * statements are compiled once; a savepoint is entered for every movement.
 */
export function savepoint(name: string): Savepoint {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('invalid savepoint name');
  const enter = fixedStatement(`savepoint ${name}`);
  const release = fixedStatement(`release savepoint ${name}`);
  const rollback = fixedStatement(`rollback to savepoint ${name}`);
  return {
    async run<T>(trx: Db | Trx, work: () => Promise<T>): Promise<T> {
      await enter(trx);
      try {
        const result = await work();
        await release(trx);
        return result;
      } catch (error) {
        await rollback(trx);
        await release(trx);
        throw error;
      }
    },
  };
}
