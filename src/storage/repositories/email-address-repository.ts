/**
 * Users' email addresses (migration 017, issue 18): the confirmed address in force, and a pending
 * one with the SHA-256 (hex) of its single-use confirmation token. Times are epoch ms.
 */
import type { Db, Trx } from '../storage.js';

export interface EmailRow {
  address: string | null;
  confirmedAtMs: bigint | null;
  pendingAddress: string | null;
  tokenHash: string | null;
  tokenExpiresAtMs: bigint | null;
}

/** The user's row, or undefined when they never gave an address. */
export async function findEmailOfUser(db: Db | Trx, userId: string): Promise<EmailRow | undefined> {
  const r = await db
    .selectFrom('user_emails')
    .select(['address', 'confirmed_at', 'pending_address', 'token_hash', 'token_expires_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (
    r && { address: r.address, confirmedAtMs: r.confirmed_at, pendingAddress: r.pending_address, tokenHash: r.token_hash, tokenExpiresAtMs: r.token_expires_at }
  );
}

/** Sets the pending address and its token (replacing any earlier pending one); the confirmed address stays. */
export async function savePendingEmail(db: Db | Trx, userId: string, pending: { address: string; tokenHash: string; expiresAtMs: bigint }): Promise<void> {
  const values = { pending_address: pending.address, token_hash: pending.tokenHash, token_expires_at: pending.expiresAtMs };
  await db
    .insertInto('user_emails')
    .values({ user_id: userId, address: null, confirmed_at: null, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

/**
 * Confirms the pending address whose token hash is `tokenHash`, for `userId` only and before its
 * expiry, in one conditional update (single use: the token is cleared). Returns the confirmed
 * address, or null when nothing matched (wrong user, used, expired or unknown token).
 */
export async function confirmPendingEmail(db: Db | Trx, userId: string, tokenHash: string, nowMs: bigint): Promise<string | null> {
  const row = await db
    .selectFrom('user_emails')
    .select('pending_address')
    .where('user_id', '=', userId)
    .where('token_hash', '=', tokenHash)
    .where('token_expires_at', '>', nowMs)
    .executeTakeFirst();
  if (!row?.pending_address) return null;
  const result = await db
    .updateTable('user_emails')
    .set({ address: row.pending_address, confirmed_at: nowMs, pending_address: null, token_hash: null, token_expires_at: null })
    .where('user_id', '=', userId)
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? row.pending_address : null;
}

/** The confirmed address of the user, or null. */
export async function confirmedAddressOf(db: Db | Trx, userId: string): Promise<string | null> {
  const r = await db.selectFrom('user_emails').select('address').where('user_id', '=', userId).where('confirmed_at', 'is not', null).executeTakeFirst();
  return r?.address ?? null;
}

/**
 * GET /api/v1/me's second read folded with the email (issue 7's pinned read count): TOTP on, the
 * passkey count (the same facts as second-factor-repository's findSecondFactorSummary) and the
 * user's addresses, in ONE statement.
 */
export async function findSecondFactorAndEmail(
  db: Db | Trx,
  userId: string,
): Promise<{ totp: boolean; passkeys: number; address: string | null; confirmed: boolean; pendingAddress: string | null }> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('totp_credentials').select('user_id').where('user_id', '=', userId).where('secret_sealed', 'is not', null)).as('totp'),
      eb
        .selectFrom('passkeys')
        .select((c) => c.fn.countAll<string | number | bigint>().as('n'))
        .where('user_id', '=', userId)
        .as('passkeys'),
      eb.selectFrom('user_emails').select('address').where('user_id', '=', userId).where('confirmed_at', 'is not', null).as('address'),
      eb.selectFrom('user_emails').select('pending_address').where('user_id', '=', userId).as('pending_address'),
    ])
    .executeTakeFirstOrThrow();
  const address = row.address ?? null;
  return {
    totp: Boolean(Number(row.totp)),
    passkeys: Number(row.passkeys ?? 0),
    address,
    confirmed: address !== null,
    pendingAddress: row.pending_address ?? null,
  };
}
