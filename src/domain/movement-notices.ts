/**
 * Which notices a committed movement gives (issue 18 item 2: "money received", and "money sent above
 * a threshold the user picks"), decided from the ledger alone, so the notice writer can derive them
 * after commit (app/write-movement-notices.ts).
 *
 * The rule: a movement its payer made themselves notifies; one the payee pulled (a hold's capture,
 * whose actor is the payee) or the bank made (deposits, reversals: staff tell both customers with a
 * staff-action notice instead) does not.
 * - A transfer or withdrawal whose actor owns the debited account is such a movement.
 * - The payee of a transfer to a customer's account gets "money received", naming the payer.
 * - The payer gets "money sent" when they chose a threshold (minor units) at or below the amount,
 *   naming the payee when the payee is a customer (a withdrawal pays the bank's cash account).
 */
import { moneyReceivedText, moneySentText, type NotificationKind } from './notification-kinds.js';

/** The ledger transaction types that can notify: both are two-entry transfer journals. */
export const NOTIFYING_TYPES: readonly string[] = ['transfer', 'withdrawal'];

/** A sealed two-entry movement as the notice writer reads it. Amounts in minor units, times epoch ms. */
export interface SealedMovement {
  type: string;
  /** True for a staff reversal (its `reversal_of` is set; a reversed transfer is stored as a transfer). */
  reversal: boolean;
  actorUserId: string | null;
  amountMinor: bigint;
  currency: string;
  createdAtMs: bigint;
  payer: { userId: string | null; username: string | null };
  payee: { userId: string | null; username: string | null };
  /** The payer's "money sent" threshold in minor units, or null when they chose none. */
  payerSentThresholdMinor: bigint | null;
}

/** One notice to write: to `userId`, of `kind`, with its text. */
export interface MovementNotice {
  userId: string;
  kind: Extract<NotificationKind, 'money_received' | 'money_sent'>;
  text: string;
  createdAtMs: bigint;
}

/** The notices of `movement`, payee's first; none for a movement its payer did not make. */
export function movementNotices(movement: SealedMovement): MovementNotice[] {
  const { type, amountMinor, currency, payer, payee, createdAtMs } = movement;
  if (!NOTIFYING_TYPES.includes(type) || movement.reversal) return [];
  if (payer.userId === null || movement.actorUserId !== payer.userId) return [];
  const notices: MovementNotice[] = [];
  if (type === 'transfer' && payee.userId !== null) {
    notices.push({ userId: payee.userId, kind: 'money_received', text: moneyReceivedText(amountMinor, currency, payer.username), createdAtMs });
  }
  const threshold = movement.payerSentThresholdMinor;
  if (threshold !== null && threshold <= amountMinor) {
    notices.push({ userId: payer.userId, kind: 'money_sent', text: moneySentText(amountMinor, currency, payee.username), createdAtMs });
  }
  return notices;
}
