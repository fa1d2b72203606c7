import { sql } from 'kysely';
import type { Trx } from '../storage/storage.js';

/**
 * Runs `work` inside a savepoint of the caller's transaction: when it throws, its writes are undone
 * and the rest of the transaction (for example an idempotency record, or other movements sharing
 * the commit) carries on.
 */
export async function inSavepoint<T>(trx: Trx, name: string, work: () => Promise<T>): Promise<T> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error('invalid savepoint name');
  await sql`savepoint ${sql.raw(name)}`.execute(trx);
  try {
    const result = await work();
    await sql`release savepoint ${sql.raw(name)}`.execute(trx);
    return result;
  } catch (error) {
    await sql`rollback to savepoint ${sql.raw(name)}`.execute(trx);
    await sql`release savepoint ${sql.raw(name)}`.execute(trx);
    throw error;
  }
}
