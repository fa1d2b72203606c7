/**
 * What a review step's form sends for a step-up (issue 13 item 4; src/app/web-step-up.ts): the typed
 * code (`mfa_code`), or a passkey's answer (`credential`, with the challenge cookie of this browser),
 * and what the review page needs to ask for one (its template: transfer-review.eta).
 */
import type { FastifyRequest } from 'fastify';
import { STEP_UP_MESSAGE, type StepUpWays } from '../../app/step-up.js';
import type { WebStepUpProof } from '../../app/web-step-up.js';
import { field, type FieldErrors } from './forms.js';
import { credentialField, readChallengeCookie, relyingPartyOf } from './passkey-http.js';

/** The step-up proof in this form post (`credential` null when the form sent none). */
export function stepUpProof(request: FastifyRequest): WebStepUpProof {
  return { code: field(request, 'mfa_code'), credential: credentialField(request), challengeCookie: readChallengeCookie(request), rp: relyingPartyOf(request) };
}

/**
 * The review template's step-up values: `stepUp` shows the code field (a user with TOTP), and
 * `stepUpPasskey` the "Confirm with a passkey" button (a user with passkeys; shown by the script).
 */
export function stepUpView(ways: StepUpWays | null): { stepUp: boolean; stepUpPasskey: boolean; stepUpNeeded: boolean } {
  return { stepUp: ways?.code ?? false, stepUpPasskey: ways?.passkey ?? false, stepUpNeeded: ways !== null };
}

/** A passkey-only user's refusal when the form carried no passkey answer (STEP_UP_MESSAGE asks for a code they cannot have). */
export const PASSKEY_STEP_UP_NEEDED = 'This amount needs you to confirm with your passkey (the button below). Nothing has moved.';

/**
 * Where a page shows a refused step-up (`errors.mfa_code`): beside the code field for a user who
 * has one; otherwise (passkeys only: the page has no code field) at the top of the form, asking
 * for the passkey instead of a code. Other errors pass through.
 */
export function placeStepUpError(errors: FieldErrors, ways: StepUpWays | null): FieldErrors {
  const { mfa_code: refusal, ...others } = errors;
  if (refusal === undefined || ways?.code) return errors;
  return { ...others, form: refusal === STEP_UP_MESSAGE ? PASSKEY_STEP_UP_NEEDED : refusal };
}
