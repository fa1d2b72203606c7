/**
 * Passkeys (migration 008). Every change is scoped to its owner (`user_id`), so one user can never
 * rename, remove or use another's credential; the counter update is a compare-and-set, so two
 * racing assertions with the same counter cannot both be accepted.
 */
import type { Insertable, Selectable } from 'kysely';
import type { PasskeysTable } from '../schema.js';
import type { Db, Trx } from '../storage.js';

export type PasskeyRow = Selectable<PasskeysTable>;

export async function insertPasskey(db: Db | Trx, row: Insertable<PasskeysTable>): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
}

/** The passkey with this credential id (any user), or undefined. */
export async function findPasskey(db: Db | Trx, id: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user's passkeys, oldest first. */
export async function listPasskeysOfUser(db: Db | Trx, userId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
}

/** How many passkeys the user has (GET /api/v1/me `mfa.passkeys`). */
export async function countPasskeysOfUser(db: Db | Trx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Records a use: the new counter, backup state and time, only while the stored counter is still
 * `expectedCounter` (compare-and-set). False when another use got there first.
 */
export async function recordPasskeyUse(
  db: Db | Trx,
  use: { id: string; userId: string; expectedCounter: bigint; counter: bigint; backedUp: boolean; deviceType: string; atMs: bigint },
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ counter: use.counter, backed_up: use.backedUp ? 1n : 0n, device_type: use.deviceType, last_used_at: use.atMs })
    .where('id', '=', use.id)
    .where('user_id', '=', use.userId)
    .where('counter', '=', use.expectedCounter)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Deletes the user's passkey `id`; returns its name, or null when there is none (or not theirs). */
export async function deletePasskey(db: Db | Trx, userId: string, id: string): Promise<string | null> {
  const row = await db.deleteFrom('passkeys').where('user_id', '=', userId).where('id', '=', id).returning('name').executeTakeFirst();
  return row?.name ?? null;
}
