/**
 * What a review step's form sends for a step-up (issue 13 item 4; src/app/web-step-up.ts): the typed
 * code (`mfa_code`), or a passkey's answer (`credential`, with the challenge cookie of this browser),
 * and what the review page needs to ask for one (its template: transfer-review.eta).
 */
import type { FastifyRequest } from 'fastify';
import type { StepUpWays } from '../../app/step-up.js';
import type { WebStepUpProof } from '../../app/web-step-up.js';
import { field } from './forms.js';
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
