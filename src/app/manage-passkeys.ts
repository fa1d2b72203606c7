/**
 * A user's own passkeys for /settings: the list (name, when added, when last used, backed up or
 * not) and removal. Only ever the signed-in user's rows (every query is scoped to the user).
 */
import { DomainError } from '../domain/errors.js';
import { deletePasskey, listPasskeysOfUser } from '../storage/repositories/passkey-repository.js';
import type { AppContext } from './context.js';
import { requirePasskeyStepUp } from './register-passkey.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

export interface PasskeyView {
  id: string;
  name: string;
  createdAtMs: bigint;
  lastUsedAtMs: bigint | null;
  /** The credential is synced or backed up by its provider (WebAuthn BS flag). */
  backedUp: boolean;
  /** 'multiDevice' (may be synced) or 'singleDevice' (WebAuthn BE flag). */
  deviceType: string;
}

/** The user's passkeys, oldest first. */
export async function listPasskeys(ctx: AppContext, userId: string): Promise<PasskeyView[]> {
  const rows = await listPasskeysOfUser(ctx.storage.db, userId);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAtMs: BigInt(r.created_at),
    lastUsedAtMs: r.last_used_at === null ? null : BigInt(r.last_used_at),
    backedUp: BigInt(r.backed_up) === 1n,
    deviceType: r.device_type,
  }));
}

const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1024}$/;

/**
 * Removes the user's passkey `id` and records `passkey_removed` in the same transaction. Returns its
 * name. Needs the same step-up as adding one (`proof`: the password, and a TOTP code when TOTP is on;
 * requirePasskeyStepUp), so a stolen session cannot strip a passkey-only user of their second factor.
 * @throws DomainError invalid_request (param current_password, otp); not_found when the user has no
 *   such passkey (another user's included).
 */
export async function removePasskey(
  ctx: AppContext,
  userId: string,
  id: string,
  proof: { password: string; code: string },
  client: ClientInfo,
): Promise<string> {
  // Credential ids are base64url (WebAuthn, as @simplewebauthn gives them): anything else is no
  // passkey, answered before any query (a NUL byte is an error in a PostgreSQL query: a 500).
  if (!CREDENTIAL_ID.test(id)) throw new DomainError('not_found', 'That passkey was already removed.');
  await requirePasskeyStepUp(ctx, { userId, ...proof }, client);
  return ctx.storage.writeTransaction(async (trx) => {
    const name = await deletePasskey(trx, userId, id);
    if (name === null) throw new DomainError('not_found', 'That passkey was already removed.');
    await recordSecurityEvent(ctx, { type: 'passkey_removed', userId, client, details: { name } }, trx);
    return name;
  });
}
