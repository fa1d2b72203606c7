/**
 * Signing in with a passkey alone (issue 13 part B): no username, no password. The browser is asked
 * for any discoverable credential of this relying party with user verification required, so the
 * one gesture proves possession of the device key and the user's PIN or biometric: both factors
 * (NIST SP 800-63B section 5.1.8: a multi-factor cryptographic authenticator). Also the passkey
 * option of the second sign-in step and of the web step-up, where only that user's passkeys count.
 */
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import { DomainError } from '../domain/errors.js';
import { listPasskeysOfUser } from '../storage/repositories/passkey-repository.js';
import type { User } from '../storage/repositories/user-repository.js';
import type { AppContext } from './context.js';
import { PASSKEY_REFUSED_MESSAGE, verifyPasskeyAssertion } from './passkey-assertion.js';
import type { RelyingParty } from './passkey-relying-party.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';
import { newChallengeBytes, storeChallenge, takeChallenge, type ChallengePurpose } from './webauthn-challenge.js';

type RequestOptions = Awaited<ReturnType<typeof generateAuthenticationOptions>>;

/**
 * Request options and the challenge cookie. `userId` null: a discoverable sign-in (empty
 * allowCredentials); a user: only their passkeys are offered and accepted (second step, step-up).
 */
export async function beginPasskeyAssertion(
  ctx: AppContext,
  rp: RelyingParty,
  userId: string | null = null,
): Promise<{ cookie: string; options: RequestOptions }> {
  const allow = userId === null ? undefined : (await listPasskeysOfUser(ctx.storage.db, userId)).map((p) => ({ id: p.id }));
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    challenge: newChallengeBytes(ctx),
    allowCredentials: allow,
  });
  const purpose: ChallengePurpose = userId === null ? 'sign-in' : 'step-up';
  const cookie = await storeChallenge(ctx, purpose, userId, options.challenge);
  return { cookie, options };
}

/**
 * Checks the browser's answer to beginPasskeyAssertion. `userId` must be the one the options were
 * made for (null for a sign-in). Returns the user (with the password generation to issue the
 * session against). A sign-in records `login_succeeded` with method `passkey`.
 * @throws DomainError unauthenticated (401) for any refusal, recorded as `passkey_failed`.
 */
export async function finishPasskeyAssertion(
  ctx: AppContext,
  input: { cookie: string | null; response: Record<string, unknown> | null; userId: string | null; purpose: 'sign-in' | 'second-factor' | 'step-up' },
  rp: RelyingParty,
  client: ClientInfo,
): Promise<User> {
  const taken = await takeChallenge(ctx, input.cookie, input.userId === null ? 'sign-in' : 'step-up');
  if (!taken || taken.userId !== input.userId || !input.response) {
    await recordSecurityEvent(ctx, {
      type: 'passkey_failed',
      userId: input.userId,
      client,
      details: { purpose: input.purpose, reason: taken ? 'bad response' : 'no challenge' },
    });
    if (input.purpose === 'sign-in') ctx.observer?.signIn('failure');
    throw new DomainError('unauthenticated', PASSKEY_REFUSED_MESSAGE);
  }
  try {
    const { passkey, user } = await verifyPasskeyAssertion(
      ctx,
      { response: input.response, expectedChallenge: taken.challenge, rp, userId: input.userId, purpose: input.purpose },
      client,
    );
    if (input.purpose === 'sign-in') {
      ctx.observer?.signIn('success');
      await recordSecurityEvent(ctx, { type: 'login_succeeded', userId: user.id, client, details: { method: 'passkey', passkey: passkey.name } });
    }
    return user;
  } catch (error) {
    if (input.purpose === 'sign-in') ctx.observer?.signIn('failure');
    throw error;
  }
}
