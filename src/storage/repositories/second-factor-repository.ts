/**
 * TOTP credentials and recovery codes (migration 007). Values arrive sealed or hashed: this file
 * never sees a secret or a code in clear. The two "use once" rules are conditional UPDATEs whose row
 * count decides, so two requests racing with one code cannot both pass on either database (SQLite
 * serialises writers; PostgreSQL re-checks the WHERE on the row it locked).
 */
import type { Db, Trx } from '../storage.js';

export interface TotpRow {
  secretSealed: string | null;
  enabledAtMs: bigint | null;
  pendingSealed: string | null;
  lastStep: bigint;
}

/** The user's TOTP row, if they ever started an enrolment. */
export async function findTotp(db: Db | Trx, userId: string): Promise<TotpRow | undefined> {
  const row = await db
    .selectFrom('totp_credentials')
    .select(['secret_sealed', 'enabled_at', 'pending_sealed', 'last_step'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { secretSealed: row.secret_sealed, enabledAtMs: row.enabled_at, pendingSealed: row.pending_sealed, lastStep: BigInt(row.last_step) };
}

/** Stores a pending (unconfirmed) secret, replacing an earlier pending one; the active one stays. */
export async function savePendingTotp(db: Db | Trx, userId: string, sealed: string, nowMs: bigint): Promise<void> {
  const updated = await db.updateTable('totp_credentials').set({ pending_sealed: sealed, pending_at: nowMs }).where('user_id', '=', userId).executeTakeFirst();
  if (updated.numUpdatedRows > 0n) return;
  await db.insertInto('totp_credentials').values({ user_id: userId, pending_sealed: sealed, pending_at: nowMs }).execute();
}

/**
 * Accepts TOTP time step `step` for the user only if it is greater than every step accepted before
 * (RFC 6238 section 5.2). True when this call took it.
 */
export async function takeTotpStep(db: Db | Trx, userId: string, step: bigint): Promise<boolean> {
  const result = await db
    .updateTable('totp_credentials')
    .set({ last_step: step })
    .where('user_id', '=', userId)
    .where('last_step', '<', step)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * The pending secret becomes the active one, if it is still `pendingSealed` (a newer enrolment
 * started meanwhile wins). True when it did.
 */
export async function activatePendingTotp(db: Db | Trx, userId: string, pendingSealed: string, nowMs: bigint): Promise<boolean> {
  const result = await db
    .updateTable('totp_credentials')
    .set({ secret_sealed: pendingSealed, enabled_at: nowMs, pending_sealed: null, pending_at: null })
    .where('user_id', '=', userId)
    .where('pending_sealed', '=', pendingSealed)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Turns TOTP off: both secrets go (last_step stays, so an old code can never come back). */
export async function clearTotp(db: Db | Trx, userId: string): Promise<void> {
  await db
    .updateTable('totp_credentials')
    .set({ secret_sealed: null, enabled_at: null, pending_sealed: null, pending_at: null })
    .where('user_id', '=', userId)
    .execute();
}

/** Replaces all the user's recovery codes with these hashes. */
export async function replaceRecoveryCodes(db: Db | Trx, userId: string, hashes: readonly string[], nowMs: bigint): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  if (hashes.length === 0) return;
  await db
    .insertInto('recovery_codes')
    .values(hashes.map((code_hash) => ({ code_hash, user_id: userId, created_at: nowMs, used_at: null })))
    .execute();
}

/** Marks the user's unused recovery code with this hash used. True when this call used it. */
export async function useRecoveryCode(db: Db | Trx, userId: string, codeHash: string, nowMs: bigint): Promise<boolean> {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: nowMs })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** How many unused recovery codes the user has left. */
export async function countUnusedRecoveryCodes(db: Db | Trx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Whether the user's TOTP is on and how many passkeys they have, in ONE statement (GET /api/v1/me
 * reads it on every call: issue 7's pinned read count).
 */
export async function findSecondFactorSummary(db: Db | Trx, userId: string): Promise<{ totp: boolean; passkeys: number }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('totp_credentials').select('user_id').where('user_id', '=', userId).where('secret_sealed', 'is not', null)).as('totp'),
      eb
        .selectFrom('passkeys')
        .select((c) => c.fn.countAll<string | number | bigint>().as('n'))
        .where('user_id', '=', userId)
        .as('passkeys'),
    ])
    .executeTakeFirstOrThrow();
  // SQLite answers EXISTS with 0/1 (a bigint in safe-integer mode), PostgreSQL with a boolean.
  return { totp: Boolean(Number(row.totp)), passkeys: Number(row.passkeys ?? 0) };
}

/**
 * How many unused recovery codes the user has left while TOTP is on, else null (no TOTP: recovery
 * codes mean nothing). One statement, for the dashboard's "fewer than three left" note (issue 13).
 */
export async function recoveryCodesLeftWhileOn(db: Db | Trx, userId: string): Promise<number | null> {
  const row = await db
    .selectFrom('totp_credentials as t')
    .leftJoin('recovery_codes as r', (join) => join.onRef('r.user_id', '=', 't.user_id').on('r.used_at', 'is', null))
    .select((eb) => eb.fn.count<string | number | bigint>('r.code_hash').as('n'))
    .where('t.user_id', '=', userId)
    .where('t.secret_sealed', 'is not', null)
    .groupBy('t.user_id')
    .executeTakeFirst();
  return row ? Number(row.n) : null;
}
