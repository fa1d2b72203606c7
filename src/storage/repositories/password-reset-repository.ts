/**
 * Password reset links (migration 018; issue 18 item 4). Rows are keyed by the SHA-256 of the
 * token; the token itself is never stored. Times are epoch ms.
 */
import type { Db, Dialect, Trx } from '../storage.js';

export type ResetIssuer = 'email' | 'staff';

export interface NewPasswordReset {
  tokenHash: string;
  userId: string;
  issuedBy: ResetIssuer;
  passwordGeneration: bigint;
  email: string | null;
  createdAtMs: bigint;
  expiresAtMs: bigint;
}

/** A reset link as found by its token hash, with what it must still match about its user now. */
export interface PasswordResetRecord {
  tokenHash: string;
  userId: string;
  username: string;
  issuedBy: ResetIssuer;
  passwordGeneration: bigint;
  email: string | null;
  expiresAtMs: bigint;
  endedAtMs: bigint | null;
  /** The user's password generation and confirmed address as they are now. */
  currentGeneration: bigint;
  currentEmail: string | null;
}

/**
 * Serialises the reset issues of one user until the transaction ends, so counting the links of the
 * last hour, ending the older ones and inserting the new one cannot interleave with another issue.
 * PostgreSQL: the user's row FOR UPDATE. SQLite: nothing, BEGIN IMMEDIATE holds the only write lock.
 */
export async function lockUserForReset(trx: Trx, dialect: Dialect, userId: string): Promise<void> {
  // NO KEY UPDATE: queues the user's own changes one behind another, but not the foreign-key checks
  // (KEY SHARE) of a payment's rows naming this user, which otherwise deadlock with it (PostgreSQL).
  if (dialect === 'postgres') await trx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().execute();
}

/** How many links were emailed to the user since `sinceMs` (the silent per-account throttle). */
export async function countEmailedResetsSince(db: Db | Trx, userId: string, sinceMs: bigint): Promise<number> {
  const row = await db
    .selectFrom('password_resets')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('user_id', '=', userId)
    .where('issued_by', '=', 'email')
    .where('created_at', '>', sinceMs)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Ends every open link of the user (a newer one is being issued, or one was used). Returns how many. */
export async function endOpenResets(db: Db | Trx, userId: string, nowMs: bigint): Promise<number> {
  const result = await db
    .updateTable('password_resets')
    .set({ ended_at: nowMs })
    .where('user_id', '=', userId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertPasswordReset(db: Db | Trx, reset: NewPasswordReset): Promise<void> {
  await db
    .insertInto('password_resets')
    .values({
      token_hash: reset.tokenHash,
      user_id: reset.userId,
      issued_by: reset.issuedBy,
      password_generation: reset.passwordGeneration,
      email: reset.email,
      created_at: reset.createdAtMs,
      expires_at: reset.expiresAtMs,
    })
    .execute();
}

/** The link with this token hash and its user's current generation and confirmed address, in one read. */
export async function findPasswordReset(db: Db | Trx, tokenHash: string): Promise<PasswordResetRecord | undefined> {
  const row = await db
    .selectFrom('password_resets as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .leftJoin('user_emails as e', (join) => join.onRef('e.user_id', '=', 'r.user_id').on('e.confirmed_at', 'is not', null))
    .select(['r.token_hash', 'r.user_id', 'u.username', 'r.issued_by', 'r.password_generation', 'r.email', 'r.expires_at', 'r.ended_at'])
    .select(['u.password_generation as current_generation', 'e.address as current_email'])
    .where('r.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    username: row.username,
    issuedBy: row.issued_by,
    passwordGeneration: BigInt(row.password_generation),
    email: row.email,
    expiresAtMs: BigInt(row.expires_at),
    endedAtMs: row.ended_at === null ? null : BigInt(row.ended_at),
    currentGeneration: BigInt(row.current_generation),
    currentEmail: row.current_email ?? null,
  };
}

/**
 * Uses the link: one conditional update, so of two racing uses only one wins. Returns false when
 * it had ended or expired meanwhile. Every other open link of the user ends with it.
 */
export async function usePasswordReset(trx: Trx, tokenHash: string, userId: string, nowMs: bigint): Promise<boolean> {
  const result = await trx
    .updateTable('password_resets')
    .set({ used_at: nowMs, ended_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await endOpenResets(trx, userId, nowMs);
  return true;
}

/** Counts a wrong second-factor code against the link; it ends at `maxFailures`. Returns true when it ended. */
export async function countResetCodeFailure(db: Db | Trx, tokenHash: string, maxFailures: number, nowMs: bigint): Promise<boolean> {
  await db
    .updateTable('password_resets')
    .set((eb) => ({ code_failures: eb('code_failures', '+', 1n) }))
    .where('token_hash', '=', tokenHash)
    .execute();
  const result = await db
    .updateTable('password_resets')
    .set({ ended_at: nowMs })
    .where('token_hash', '=', tokenHash)
    .where('ended_at', 'is', null)
    .where('code_failures', '>=', BigInt(maxFailures))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The users whose confirmed address is `address` (at most `limit`; normally one). */
export async function findUserIdsByConfirmedEmail(db: Db | Trx, address: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('user_emails')
    .select('user_id')
    .where('address', '=', address)
    .where('confirmed_at', 'is not', null)
    .orderBy('user_id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.user_id);
}
