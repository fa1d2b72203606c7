/**
 * What a committed movement tells the world (issue 18), written in the movement's own transaction:
 * the payee's "money received" notice and the payer's "money sent" notice (only above the
 * threshold they chose) in one statement, their emails when email is on, and the
 * `transaction.created` webhook when receivers are configured. A refused movement never gets here
 * (it throws first), and an idempotent replay never runs the movement again: neither emits anything.
 */
import { moneyReceivedText, moneySentText } from '../domain/notification-kinds.js';
import { insertMovementNotices, notificationExists } from '../storage/repositories/notification-repository.js';
import type { Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { emailNotice, newNotice } from './notify.js';
import { emailOn, enqueueWebhook, webhooksOn } from './outbox.js';
import type { TransactionView } from './views.js';
import { transactionWebhookData } from './webhook-data.js';

/** The two sides of a posted movement as move-money.ts knows them. */
export interface MovementSides {
  type: 'deposit' | 'withdrawal' | 'transfer';
  actorUserId: string;
  actorUsername: string | undefined;
  from: { id: string; kind: 'user' | 'system'; user_id: string | null };
  to: { id: string; kind: 'user' | 'system'; user_id: string | null; ownerUsername?: string };
  amountMinor: bigint;
  currency: string;
}

/** Writes the notices and queues the webhook of one posted movement, inside `trx`. */
export async function recordMovementEvents(ctx: AppContext, trx: Trx, sides: MovementSides, transaction: TransactionView): Promise<void> {
  const { amountMinor, currency } = sides;
  const payee = sides.type === 'transfer' && sides.to.kind === 'user' ? sides.to.user_id : null;
  const received = payee ? newNotice(ctx, payee, 'money_received', moneyReceivedText(amountMinor, currency, sides.actorUsername ?? null)) : null;
  const sent =
    sides.type === 'deposit' ? null : newNotice(ctx, sides.actorUserId, 'money_sent', moneySentText(amountMinor, currency, sides.to.ownerUsername ?? null));
  await insertMovementNotices(trx, { received, sent, sentAmountMinor: amountMinor });
  if (emailOn(ctx)) {
    if (received) await emailNotice(ctx, trx, received.userId, 'money_received', received.text);
    if (sent && (await notificationExists(trx, sent.id))) await emailNotice(ctx, trx, sent.userId, 'money_sent', sent.text);
  }
  if (webhooksOn(ctx)) {
    const accounts = [sides.from, sides.to].filter((a) => a.kind === 'user').map((a) => a.id);
    await enqueueWebhook(ctx, trx, 'transaction.created', transactionWebhookData(transaction), accounts);
  }
}
