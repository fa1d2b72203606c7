/**
 * Writing one reversal (issue 15 item 2) inside a transaction the caller opened and in which it
 * locked the original (reversal-repository.ts `lockOriginal`): the mirrored movement through the one
 * journal seam (`ctx.storage.journal.post`), balanced and decided on the locked account rows by
 * movement-rules.ts like any movement, so a payee who has spent the money is refused with
 * `insufficient_funds` and nothing is written. Then the audit: the staff member's own event and,
 * for each customer whose account moved, a notice on their timeline naming "bank staff" only.
 */
import { enqueueWebhook, webhooksOn } from './outbox.js';
import { transactionWebhookData } from './webhook-data.js';
import { DomainError } from '../domain/errors.js';
import { transferJournal } from '../domain/journal.js';
import { refusalOf } from '../domain/movement-rules.js';
import { planReversal, type StoredTransaction } from '../domain/reversal.js';
import { accountsWithOwners, findPendingApprovalOf, findReversalOf, expireApproval } from '../storage/repositories/reversal-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';
import type { StaffMember } from './staff-access.js';
import type { TransactionView } from './views.js';

/** Who reverses, from where, and why (staff-reason.ts checked it). */
export interface ReversalActor {
  staff: Pick<StaffMember, 'userId' | 'username'>;
  client: ClientInfo;
}

export const alreadyReversed = () => new DomainError('already_reversed', 'This transaction has already been reversed, or a reversal of it awaits approval.');

/**
 * Refuses when `originalId` already has a reversal or a live pending approval (409
 * already_reversed); a pending approval past its expiry is marked expired so a new request may
 * take its place. Call with the original locked.
 */
export async function refuseIfReversedOrPending(ctx: AppContext, trx: Trx, originalId: string, exceptApprovalId?: string): Promise<void> {
  if ((await findReversalOf(trx, originalId)) !== undefined) throw alreadyReversed();
  const pending = await findPendingApprovalOf(trx, originalId);
  if (!pending || pending.id === exceptApprovalId) return;
  if (!(await expireApproval(trx, pending.id, nowMsBig(ctx)))) throw alreadyReversed();
}

/**
 * Refuses (403 forbidden) when an account the reversal of `original` would move belongs to one of
 * `staffUserIds` (the admin asking, or the maker and the approver): staff never move money on their
 * own accounts, or an admin could reverse their own withdrawal below REVERSAL_APPROVAL_MINOR and
 * take the cash back with nobody else looking (separation of duties, ASVS V2.1 business logic).
 */
export async function refuseStaffOwnAccounts(trx: Trx, original: StoredTransaction, staffUserIds: readonly string[]): Promise<void> {
  const plan = planReversal(original);
  const accounts = await accountsWithOwners(trx, [plan.fromAccountId, plan.toAccountId]);
  for (const account of accounts.values()) {
    if (account.user_id !== null && staffUserIds.includes(account.user_id)) {
      throw new DomainError('forbidden', 'Staff cannot reverse a transaction of their own account; another admin must.', 'transaction_id');
    }
  }
}

/**
 * Posts the reversal of the locked `original` and records its audit. Returns the reversal as seen
 * from the customer account it takes money from (or, when it takes from the bank's cash, the one
 * it gives to).
 * @throws DomainError the movement's refusal (insufficient_funds, account_frozen, account_closed...).
 */
export async function postReversal(
  ctx: AppContext,
  trx: Trx,
  original: StoredTransaction,
  actor: ReversalActor,
  reason: string,
  approval?: { id: string; makerUserId: string },
): Promise<TransactionView> {
  const plan = planReversal(original);
  const accounts = await accountsWithOwners(trx, [plan.fromAccountId, plan.toAccountId]);
  const from = accounts.get(plan.fromAccountId);
  const to = accounts.get(plan.toAccountId);
  if (!from || !to) throw new Error(`reversal of ${original.id}: its accounts are gone`);
  const id = ctx.random.uuid();
  const createdAtMs = nowMsBig(ctx);
  const journal = transferJournal(from.id, to.id, plan.currency, plan.amountMinor);
  const transaction = { id, type: plan.storedType, memo: null, actorUserId: actor.staff.userId, createdAtMs, reversalOf: original.id };
  const posted = await ctx.storage.journal.post(trx, { from, to, journal, transaction });
  if (posted.kind === 'refused')
    throw refusalOf(posted.facts, { from: from.currency, to: to.currency }) ?? new Error('reversal refused with every fact holding');

  const details = { transaction: original.id, reversal: id, amount_minor: plan.amountMinor.toString(), reason };
  const staffDetails = approval ? { ...details, approval: approval.id, maker: approval.makerUserId } : details;
  await recordSecurityEvent(ctx, { type: 'staff_reversed_transaction', userId: actor.staff.userId, client: actor.client, details: staffDetails }, trx);
  const owners = new Set([from.user_id, to.user_id].filter((u): u is string => u !== null));
  for (const owner of owners) {
    await recordSecurityEvent(
      ctx,
      { type: 'transaction_reversed_by_staff', userId: owner, client: UNKNOWN_CLIENT, details: { ...details, by: 'bank staff' } },
      trx,
    );
  }

  const subjectIsFrom = from.kind === 'user';
  const subject = subjectIsFrom ? from : to;
  const other = subjectIsFrom ? to : from;
  const view: TransactionView = {
    id,
    type: 'reversal',
    amountMinor: plan.amountMinor,
    direction: subjectIsFrom ? 'debit' : 'credit',
    balanceAfterMinor: subjectIsFrom ? posted.balances.from : posted.balances.to,
    currency: subject.currency,
    memo: null,
    counterparty: other.owner_username !== null ? { username: other.owner_username, accountNumber: other.number } : null,
    createdAtMs,
    cursor: 0n,
  };
  // Every committed ledger transaction is a `transaction.created` webhook (issue 18), reversals too.
  if (webhooksOn(ctx)) {
    const customerAccounts = [from, to].filter((a) => a.kind === 'user').map((a) => a.id);
    await enqueueWebhook(ctx, trx, 'transaction.created', transactionWebhookData(view), customerAccounts);
  }
  return view;
}
