/**
 * Single-use WebAuthn challenges (migration 008), keyed by the SHA-256 of the asking browser's
 * cookie. Taking one deletes it in the same statement (DELETE ... RETURNING on both databases), so
 * of two requests presenting the same cookie only one gets the challenge: a replay finds nothing.
 */
import type { Insertable } from 'kysely';
import type { WebauthnChallengesTable } from '../schema.js';
import type { Db, Trx } from '../storage.js';

export async function insertChallenge(db: Db | Trx, row: Insertable<WebauthnChallengesTable>): Promise<void> {
  await db.insertInto('webauthn_challenges').values(row).execute();
}

/**
 * Deletes and returns the live challenge under `idHash` for `purpose`, or undefined (none, used,
 * another purpose, or expired at `nowMs`). An expired or other-purpose row is deleted too.
 */
export async function takeChallenge(
  db: Db | Trx,
  idHash: string,
  purpose: string,
  nowMs: bigint,
): Promise<{ challenge: string; user_id: string | null } | undefined> {
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('id_hash', '=', idHash)
    .returning(['challenge', 'user_id', 'purpose', 'expires_at'])
    .executeTakeFirst();
  if (!row || row.purpose !== purpose || BigInt(row.expires_at) <= nowMs) return undefined;
  return { challenge: row.challenge, user_id: row.user_id };
}

/** Housekeeping: deletes challenges that expired before `nowMs`. */
export async function deleteExpiredChallenges(db: Db | Trx, nowMs: bigint): Promise<void> {
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', nowMs).execute();
}
