/**
 * Step-up for staff (issue 15 item 1; contract "Operators (round 2)"): a staff action that moves
 * money (a reversal, an approval) always needs a fresh TOTP code, whatever the amount (customers
 * need one only from STEP_UP_MINOR, step-up.ts). Staff always have a second factor (staff-access.ts).
 * Call it before the action's write transaction, with nothing open: the code's time step stays used
 * up and a refusal's `second_factor_failed` event stays recorded even though nothing moves.
 */
import { DomainError } from '../domain/errors.js';
import type { AppContext } from './context.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

export const STAFF_STEP_UP_MESSAGE = 'Staff actions that move money need a fresh code from your authenticator app (header MFA-Code).';

/**
 * Passes when `code` is a current, unused TOTP code of `userId` (its time step is then used up and
 * `step_up_passed` recorded with `what`).
 * @throws DomainError step_up_required (403) for a missing, wrong, replayed or recovery code.
 */
export async function requireStaffStepUp(ctx: AppContext, userId: string, code: string | null | undefined, client: ClientInfo, what: string): Promise<void> {
  const typed = (code ?? '').trim();
  if (typed === '') throw new DomainError('step_up_required', STAFF_STEP_UP_MESSAGE);
  const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId, code: typed, allowRecovery: false, purpose: 'step_up', client });
  if (proof === null) throw new DomainError('step_up_required', 'That code is not right, or was already used. Wait for a new code and try again.');
  await recordSecurityEvent(ctx, { type: 'step_up_passed', userId, client, details: { staff_action: what } });
}
