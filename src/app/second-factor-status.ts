/**
 * THE ONE PLACE a user's second-factor status is read (issue 13): GET /api/v1/me, sign-in, step-up
 * and the pages all ask here. Passkey engineer (issue 13 part B): make `passkeys` count the user's
 * passkeys in this file (src/app/second-factor-status.ts); everything that needs "has a second
 * factor" then includes passkeys at once.
 */
import { findSecondFactorSummary } from '../storage/repositories/second-factor-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';

export interface SecondFactorStatus {
  /** TOTP confirmed and on. */
  totp: boolean;
  /** How many passkeys the user has (migration 008). */
  passkeys: number;
}

/** The user's second factors, as `GET /api/v1/me` shows them (contract "Second factor"). */
export async function secondFactorStatus(_ctx: AppContext, db: Db | Trx, userId: string): Promise<SecondFactorStatus> {
  return findSecondFactorSummary(db, userId);
}

/** True when the user has any second factor on (sign-in asks for it; large movements step up). */
export function hasSecondFactor(status: SecondFactorStatus): boolean {
  return status.totp || status.passkeys > 0;
}
