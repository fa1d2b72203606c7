/**
 * Adding a passkey (issue 13 part B). Two steps around the browser's navigator.credentials.create:
 *
 * 1. beginPasskeyRegistration: the step-up first (the password, plus a current TOTP code when the
 *    user has one on: issue 13 item 4), then creation options with a fresh challenge stored for
 *    this browser. Discoverable credential (residentKey 'required') with user verification
 *    required, so the passkey alone can later sign in; attestation 'none' (no device vetting).
 * 2. finishPasskeyRegistration: takes the challenge (single use, this browser, this user), verifies
 *    the attestation response (challenge, origin, RP ID hash, UP and UV flags), stores the public
 *    key, counter, transports and backup flags, and records `passkey_added` in the same transaction.
 */
import { generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { DomainError } from '../domain/errors.js';
import { insertPasskey, listPasskeysOfUser } from '../storage/repositories/passkey-repository.js';
import { findUserById, type User } from '../storage/repositories/user-repository.js';
import { isUniqueViolation } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { userHandleOf } from './passkey-assertion.js';
import type { RelyingParty } from './passkey-relying-party.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { secondFactorStatus } from './second-factor-status.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';
import { checkCredentials } from './sign-in.js';
import { newChallengeBytes, storeChallenge, takeChallenge } from './webauthn-challenge.js';

/** Most passkeys one user may register (a limit on everything). */
export const PASSKEYS_PER_USER_MAX = 10;
const NAME_MAX_CHARS = 60;

/**
 * The step-up for changing the user's passkeys (issue 13 item 4), adding or removing one: the
 * current password, plus a current TOTP code when TOTP is on. A session alone is not enough: removing
 * a passkey-only user's last passkey would otherwise turn their second factor off.
 * @throws DomainError invalid_request (param current_password, otp) for a wrong password or code; rate_limited.
 */
export async function requirePasskeyStepUp(ctx: AppContext, input: { userId: string; password: string; code: string }, client: ClientInfo): Promise<User> {
  const user = await findUserById(ctx.storage.db, input.userId);
  if (!user) throw new DomainError('unauthenticated', 'This user no longer exists.');
  try {
    await checkCredentials(ctx, { username: user.username, password: input.password });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'unauthenticated')
      throw new DomainError('invalid_request', 'Your password is not correct.', 'current_password');
    throw error;
  }
  if ((await secondFactorStatus(ctx, ctx.storage.db, user.id)).totp) {
    const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId: user.id, code: input.code, allowRecovery: false, purpose: 'step_up', client });
    if (proof === null) throw new DomainError('invalid_request', 'Enter a current code from your authenticator app.', 'otp');
  }
  return user;
}

/**
 * Step 1. `password`: the user's current password; `code`: a current TOTP code, needed when TOTP is on.
 * Returns the options for the browser (PublicKeyCredentialCreationOptionsJSON) and the cookie value
 * that binds the challenge to this browser.
 * @throws DomainError invalid_request (param current_password, otp) for a wrong password or code;
 *   limit_reached beyond PASSKEYS_PER_USER_MAX.
 */
export async function beginPasskeyRegistration(
  ctx: AppContext,
  input: { userId: string; password: string; code: string },
  rp: RelyingParty,
  client: ClientInfo,
): Promise<{ cookie: string; options: Awaited<ReturnType<typeof generateRegistrationOptions>> }> {
  const user = await requirePasskeyStepUp(ctx, input, client);
  const existing = await listPasskeysOfUser(ctx.storage.db, user.id);
  if (existing.length >= PASSKEYS_PER_USER_MAX) throw new DomainError('limit_reached', `You have ${PASSKEYS_PER_USER_MAX} passkeys already. Remove one first.`);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.username,
    userID: new Uint8Array(Buffer.from(userHandleOf(user.id), 'base64url')),
    challenge: newChallengeBytes(ctx),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const cookie = await storeChallenge(ctx, 'register', user.id, options.challenge);
  return { cookie, options };
}

/** A passkey's name as typed: trimmed, 1 to 60 characters, no control characters. */
export function passkeyName(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new DomainError('invalid_request', 'Give this passkey a name, such as the device it is on.', 'passkey_name');
  // The rule of memos and account names (domain/memo.ts): no control characters, line separators or
  // bidi embeddings, overrides and isolates, which would reorder the name on /settings and in the
  // security timeline staff read.
  if ([...name].length > NAME_MAX_CHARS || /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(name)) {
    throw new DomainError('invalid_request', `Use at most ${NAME_MAX_CHARS} characters, without line breaks or control characters.`, 'passkey_name');
  }
  return name;
}

/**
 * Step 2. `response`: the browser's RegistrationResponseJSON; `cookie`: the value step 1 returned.
 * @throws DomainError invalid_request (param passkey_name) for a bad name; unauthenticated when the
 *   challenge is missing, used, expired or another user's, or the response does not verify.
 */
export async function finishPasskeyRegistration(
  ctx: AppContext,
  input: { userId: string; cookie: string | null; response: Record<string, unknown> | null; name: string },
  rp: RelyingParty,
  client: ClientInfo,
): Promise<{ id: string; name: string }> {
  const name = passkeyName(input.name);
  const taken = await takeChallenge(ctx, input.cookie, 'register');
  const refused = async (reason: string) => {
    await recordSecurityEvent(ctx, { type: 'passkey_failed', userId: input.userId, client, details: { purpose: 'register', reason } });
    return new DomainError('unauthenticated', 'The passkey could not be added. Start again from Add a passkey.');
  };
  if (!taken || taken.userId !== input.userId || !input.response) throw await refused(taken ? 'bad response' : 'no challenge');
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response: input.response as unknown as RegistrationResponseJSON,
      expectedChallenge: taken.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    info = verified.verified ? verified.registrationInfo : undefined;
  } catch (error) {
    throw await refused(`verification: ${error instanceof Error ? error.message.slice(0, 120) : 'failed'}`);
  }
  if (!info) throw await refused('not verified');
  const credential = info.credential;
  try {
    await ctx.storage.writeTransaction(async (trx) => {
      await insertPasskey(trx, {
        id: credential.id,
        user_id: input.userId,
        public_key: Buffer.from(credential.publicKey).toString('base64url'),
        counter: BigInt(credential.counter),
        transports: (credential.transports ?? []).join(','),
        device_type: info.credentialDeviceType,
        backed_up: info.credentialBackedUp ? 1n : 0n,
        name,
        created_at: nowMsBig(ctx),
        last_used_at: null,
      });
      await recordSecurityEvent(ctx, { type: 'passkey_added', userId: input.userId, client, details: { name, backed_up: info.credentialBackedUp } }, trx);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw await refused('already registered');
    throw error;
  }
  return { id: credential.id, name };
}
