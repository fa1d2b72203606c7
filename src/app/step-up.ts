/**
 * Step-up (issue 13; contract "Second factor"): with a second factor on, a money movement of at least
 * STEP_UP_MINOR minor units needs a fresh TOTP code (API header `MFA-Code`; never a recovery code).
 * The one rule every money move that needs it calls: transfers here, holds and request payments too.
 *
 * Call it BEFORE opening the movement's write transaction, with `ctx.storage.db`: the code's time
 * step is used up and a refusal's `second_factor_failed` event stays recorded even though nothing
 * moves. (Inside a transaction a refusal would roll its own audit event back with it.) For a request
 * carrying an Idempotency-Key, use `requireStepUpUnlessReplay`, so a retry of a request that already
 * finished replays its answer instead of asking for a code that is already used up.
 */
import { DomainError } from '../domain/errors.js';
import { findKey } from '../storage/repositories/idempotency-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import type { NamespacedKey } from './idempotency.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { hasSecondFactor, secondFactorStatus } from './second-factor-status.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';

export const STEP_UP_MESSAGE = 'This amount needs a fresh code from your authenticator app (header MFA-Code).';

/** True when a movement of `amountMinor` by this user needs a fresh code (amount and second factor). */
export async function needsStepUp(ctx: AppContext, db: Db | Trx, userId: string, amountMinor: bigint): Promise<boolean> {
  if (amountMinor < BigInt(ctx.config.stepUpMinor)) return false;
  return hasSecondFactor(await secondFactorStatus(ctx, db, userId));
}

/**
 * Passes when the movement needs no step-up (below STEP_UP_MINOR, or no second factor), or when
 * `code` is a current, unused TOTP code of the user (its time step is then used up and a
 * `step_up_passed` event recorded). `amountMinor`: the amount in minor units. A code on a movement
 * that needs none is ignored (not checked, not used up).
 * @throws DomainError step_up_required (403) for a missing, wrong, replayed or recovery code.
 */
export async function requireStepUp(
  ctx: AppContext,
  db: Db | Trx,
  userId: string,
  amountMinor: bigint,
  code: string | null | undefined,
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<void> {
  if (!(await needsStepUp(ctx, db, userId, amountMinor))) return;
  await checkStepUpCode(ctx, db, userId, amountMinor, code, client);
}

/** The code half of requireStepUp, for a caller that already knows a step-up is needed. */
async function checkStepUpCode(
  ctx: AppContext,
  db: Db | Trx,
  userId: string,
  amountMinor: bigint,
  code: string | null | undefined,
  client: ClientInfo,
): Promise<void> {
  const typed = (code ?? '').trim();
  if (typed === '') throw new DomainError('step_up_required', STEP_UP_MESSAGE);
  const proof = await acceptSecondFactorCode(ctx, db, { userId, code: typed, allowRecovery: false, purpose: 'step_up', client });
  if (proof === null) throw new DomainError('step_up_required', 'That code is not right, or was already used. Wait for a new code and try again.');
  await recordSecurityEvent(ctx, { type: 'step_up_passed', userId, client, details: { amount_minor: amountMinor.toString() } }, db);
}

/**
 * requireStepUp, skipped when `key` names a request of this user that already finished (its retry
 * replays the stored answer and moves nothing, so it needs no second code). A key still in flight,
 * or unknown, is checked as usual.
 */
export async function requireStepUpUnlessReplay(
  ctx: AppContext,
  userId: string,
  amountMinor: bigint,
  code: string | null | undefined,
  key: NamespacedKey | undefined,
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<void> {
  // Whether a step-up applies (amount, then second factor) is decided before the key lookup, which
  // every transfer would otherwise pay for (test/integration/transfer-round-trips.test.ts).
  if (!(await needsStepUp(ctx, ctx.storage.db, userId, amountMinor))) return;
  if (await isFinishedRequest(ctx, userId, key)) return;
  await checkStepUpCode(ctx, ctx.storage.db, userId, amountMinor, code, client);
}

/** True when `key` names a request of this user that already finished (its retry replays, moves nothing). */
export async function isFinishedRequest(ctx: AppContext, userId: string, key: NamespacedKey | undefined): Promise<boolean> {
  if (key === undefined) return false;
  const stored = await findKey(ctx.storage.db, userId, key);
  return Boolean(stored && stored.responseStatus !== null);
}

/** How a page may ask for a step-up: a TOTP code field, a passkey button, or both. */
export interface StepUpWays {
  code: boolean;
  passkey: boolean;
}

/**
 * The ways this user can step up for a movement of `amountMinor` minor units, or null when it needs
 * none (below STEP_UP_MINOR, or no second factor). One read of the second-factor status.
 */
export async function stepUpWays(ctx: AppContext, userId: string, amountMinor: bigint): Promise<StepUpWays | null> {
  if (amountMinor < BigInt(ctx.config.stepUpMinor)) return null;
  const status = await secondFactorStatus(ctx, ctx.storage.db, userId);
  return hasSecondFactor(status) ? { code: status.totp, passkey: status.passkeys > 0 } : null;
}
