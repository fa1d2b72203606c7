/**
 * Checks one WebAuthn assertion (navigator.credentials.get) against a stored passkey, with
 * @simplewebauthn/server: the signature over authenticatorData and the clientDataJSON hash, the
 * challenge, the origin and RP ID hash (WebAuthn section 7.2), user presence and user verification
 * (required), and the signature counter (a counter that did not grow past a non-zero stored one is
 * refused: a cloned authenticator). The new counter and the backup flags are stored, compare-and-set
 * on the old counter, so of two racing uses of one assertion only one is accepted.
 */
import { verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import { DomainError } from '../domain/errors.js';
import { findPasskey, recordPasskeyUse, type PasskeyRow } from '../storage/repositories/passkey-repository.js';
import { findUserById, type User } from '../storage/repositories/user-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import type { RelyingParty } from './passkey-relying-party.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

export const PASSKEY_REFUSED_MESSAGE = 'That passkey could not be used. Try again, or sign in with your password.';

/** The WebAuthn user handle of a user: the UTF-8 bytes of their (opaque, random) id, base64url. */
export const userHandleOf = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

/** The credential a browser sent, parsed from the form field's JSON; null when it is not one. */
export function parseCredentialJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
    const v = value as Record<string, unknown>;
    if (typeof v.id !== 'string' || typeof v.rawId !== 'string' || v.type !== 'public-key' || !v.response || typeof v.response !== 'object') return null;
    return v;
  } catch {
    return null;
  }
}

export interface AssertionInput {
  /** The browser's answer (startAuthentication's JSON). */
  response: Record<string, unknown>;
  expectedChallenge: string;
  rp: RelyingParty;
  /** Only this user's passkeys count (step-up, second sign-in step); null for a discoverable sign-in. */
  userId: string | null;
  /** Why it was asked, for the audit trail: 'sign-in', 'second-factor' or 'step-up'. */
  purpose: string;
}

/**
 * Verifies the assertion and records the use. Returns the passkey and its user. Any failure is
 * recorded as `passkey_failed` and thrown as 401 `unauthenticated` with one message, whatever the
 * reason (unknown credential, another user's, bad signature, origin, RP ID, UV, counter).
 */
export async function verifyPasskeyAssertion(ctx: AppContext, input: AssertionInput, client: ClientInfo): Promise<{ passkey: PasskeyRow; user: User }> {
  const response = input.response as unknown as AuthenticationResponseJSON;
  const passkey = typeof response.id === 'string' && response.id === response.rawId ? await findPasskey(ctx.storage.db, response.id) : undefined;
  const reason = await refusalOf(ctx, input, response, passkey);
  const user = passkey && !reason ? await findUserById(ctx.storage.db, passkey.user_id) : undefined;
  if (reason || !passkey || !user) {
    const ownerKnown = passkey && (input.userId === null || passkey.user_id === input.userId);
    await recordSecurityEvent(ctx, {
      type: 'passkey_failed',
      userId: input.userId ?? (ownerKnown ? passkey.user_id : null),
      client,
      details: { purpose: input.purpose, reason: reason ?? 'no user' },
    });
    throw new DomainError('unauthenticated', PASSKEY_REFUSED_MESSAGE);
  }
  return { passkey, user };
}

/** Why the assertion is refused (a short word for the audit trail), or null when it is sound and recorded. */
async function refusalOf(
  ctx: AppContext,
  input: AssertionInput,
  response: AuthenticationResponseJSON,
  passkey: PasskeyRow | undefined,
): Promise<string | null> {
  if (!passkey) return 'unknown credential';
  if (input.userId !== null && passkey.user_id !== input.userId) return "another user's credential";
  const handle = response.response?.userHandle;
  // A discoverable sign-in names its user; it must be the credential's owner.
  if (input.userId === null && handle !== userHandleOf(passkey.user_id)) return 'user handle';
  if (handle !== undefined && handle !== userHandleOf(passkey.user_id)) return 'user handle';
  let verified;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(Buffer.from(passkey.public_key, 'base64url')),
        counter: Number(passkey.counter),
      },
      requireUserVerification: true,
    });
  } catch (error) {
    return `verification: ${error instanceof Error ? error.message.slice(0, 120) : 'failed'}`;
  }
  if (!verified.verified || !verified.authenticationInfo.userVerified) return 'not verified';
  const info = verified.authenticationInfo;
  const recorded = await recordPasskeyUse(ctx.storage.db, {
    id: passkey.id,
    userId: passkey.user_id,
    expectedCounter: BigInt(passkey.counter),
    counter: BigInt(info.newCounter),
    backedUp: info.credentialBackedUp,
    deviceType: info.credentialDeviceType,
    atMs: nowMsBig(ctx),
  });
  return recorded ? null : 'counter raced';
}
