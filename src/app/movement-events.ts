/**
 * What a committed movement tells the world in its own transaction (issue 18): the
 * `transaction.created` webhook when receivers are configured. A refused movement never gets here
 * (it throws first), and an idempotent replay never runs the movement again: neither emits anything.
 * Its notices ("money received", "money sent") are written after commit from the sealed ledger
 * (write-movement-notices.ts), so the movement's transaction does not pay for them.
 */
import type { Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { enqueueWebhook, webhooksOn } from './outbox.js';
import type { TransactionView } from './views.js';
import { transactionWebhookData } from './webhook-data.js';

/** The two sides of a posted movement as move-money.ts knows them. */
export interface MovementSides {
  from: { id: string; kind: 'user' | 'system' };
  to: { id: string; kind: 'user' | 'system' };
}

/** Queues the webhook of one posted movement, inside `trx`; nothing when no receiver is configured. */
export async function recordMovementEvents(ctx: AppContext, trx: Trx, sides: MovementSides, transaction: TransactionView): Promise<void> {
  if (!webhooksOn(ctx)) return;
  const accounts = [sides.from, sides.to].filter((a) => a.kind === 'user').map((a) => a.id);
  await enqueueWebhook(ctx, trx, 'transaction.created', transactionWebhookData(transaction), accounts);
}
