/**
 * Step-up on the web pages (issue 13 item 4): the review step of a large money move is confirmed
 * either with a TOTP code (field `mfa_code`; works without JavaScript) or with one of the user's
 * passkeys (static/passkeys.js answers a challenge from POST /step-up/passkey/options and sends the
 * assertion in the form's `credential` field). Either way the rule is step-up.ts's: a movement of at
 * least STEP_UP_MINOR by a user with a second factor needs a fresh proof, nothing moves without one.
 *
 * Call it where step-up.ts says (before the movement's write transaction): a passkey assertion's
 * counter and its `step_up_passed` or `passkey_failed` event stay recorded even though nothing moves.
 */
import { DomainError, isDomainError } from '../domain/errors.js';
import type { AppContext } from './context.js';
import type { NamespacedKey } from './idempotency.js';
import type { RelyingParty } from './passkey-relying-party.js';
import { finishPasskeyAssertion } from './passkey-sign-in.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';
import { isFinishedRequest, needsStepUp, requireStepUp } from './step-up.js';

export const PASSKEY_STEP_UP_REFUSED = 'Your passkey could not confirm this payment, so nothing was sent. Try the passkey again, or enter a code.';

/** What the review form sent: a typed code, or a passkey's answer with the cookie that binds its challenge. */
export interface WebStepUpProof {
  code: string;
  /** The browser's assertion (startAuthentication's JSON), null when the form sent none. */
  credential: Record<string, unknown> | null;
  challengeCookie: string | null;
  rp: RelyingParty;
}

/**
 * Passes when the movement of `amountMinor` (minor units) needs no step-up, when `key` names a
 * request of this user that already finished (a replay), or when the proof is a fresh TOTP code or a
 * valid assertion by one of this user's passkeys (then `step_up_passed` is recorded, with the method).
 * @throws DomainError step_up_required (403) for a missing, wrong or replayed code or assertion.
 */
export async function requireWebStepUp(
  ctx: AppContext,
  userId: string,
  amountMinor: bigint,
  proof: WebStepUpProof,
  key: NamespacedKey | undefined,
  client: ClientInfo,
): Promise<void> {
  if (await isFinishedRequest(ctx, userId, key)) return;
  if (proof.credential === null) return requireStepUp(ctx, ctx.storage.db, userId, amountMinor, proof.code, client);
  if (!(await needsStepUp(ctx, ctx.storage.db, userId, amountMinor))) return;
  try {
    await finishPasskeyAssertion(ctx, { cookie: proof.challengeCookie, response: proof.credential, userId, purpose: 'step-up' }, proof.rp, client);
  } catch (error) {
    // finishPasskeyAssertion has recorded `passkey_failed` with its reason; the page gets one message.
    if (isDomainError(error) && error.code === 'unauthenticated') throw new DomainError('step_up_required', PASSKEY_STEP_UP_REFUSED);
    throw error;
  }
  await recordSecurityEvent(ctx, { type: 'step_up_passed', userId, client, details: { amount_minor: amountMinor.toString(), method: 'passkey' } });
}
