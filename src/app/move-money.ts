/**
 * Deposits, withdrawals and transfers. Each is applied inside a transaction the caller owns, so many
 * movements can share one commit (group commit) and each can sit in its own savepoint. Business
 * failures are thrown as DomainError before anything is written, or roll back with their savepoint.
 */
import { DomainError } from '../domain/errors.js';
import { transferJournal } from '../domain/journal.js';
import { isOpen, refusalOf, sameAccount } from '../domain/movement-rules.js';
import { parsePayee } from '../domain/payee.js';
import {
  findAccountByNumberWithOwner,
  findAccountsByUser,
  findPayerAndPayeeByNumber,
  findSystemAccount,
  type Account,
} from '../storage/repositories/account-repository.js';
import type { NewLedgerTransaction } from '../storage/repositories/ledger-repository.js';
import { findUserByUsername } from '../storage/repositories/user-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { findOwnedAccount, isPlausibleId, ownedOrNotFound } from './owned-account.js';
import { recordMovementEvents } from './movement-events.js';
import { accountView, type AccountView, type TransactionView } from './views.js';

export type MovementRequest =
  | { type: 'deposit'; accountId: string; amountMinor: bigint; memo: string | null }
  | { type: 'withdrawal'; accountId: string; amountMinor: bigint; memo: string | null }
  | { type: 'transfer'; fromAccountId: string; to: string; amountMinor: bigint; memo: string | null };

/** Which credential made a movement, kept on the ledger transaction for the audit trail. */
export interface ActorCredential {
  /** The API token's id (jti). */
  tokenId?: string;
  /** The web session's public handle (never the cookie value). */
  sessionHandle?: string;
}

export interface MovementResult {
  transaction: TransactionView;
  /** The actor's account after the movement (the payer's, for a transfer). */
  account: AccountView;
}

/** An account, and its owner's username when the lookup already had it (saves a query). */
type KnownAccount = Account & { ownerUsername?: string };

interface Leg {
  from: KnownAccount;
  to: KnownAccount;
  /** The account the result is reported for. */
  subject: 'from' | 'to';
}

/**
 * Applies one movement inside the caller's transaction: reads the accounts (refusing what is not
 * the actor's, an unknown payee, the same account), then posts its journal through this database's
 * journal writer, which decides on the locked rows by domain/movement-rules.ts (issue 12 item 1).
 * @throws DomainError the refusal (not_found, invalid_request, same_account, or movement-rules'
 * refusalOf); nothing has been written then, or it is undone with the caller's savepoint.
 */
export async function applyMovement(
  ctx: AppContext,
  trx: Trx,
  actorUserId: string,
  request: MovementRequest,
  via: ActorCredential = {},
): Promise<MovementResult> {
  const leg = await planLeg(ctx, trx, actorUserId, request);
  const amount = request.amountMinor;
  const journal = transferJournal(leg.from.id, leg.to.id, leg.from.currency, amount);
  const transactionId = ctx.random.uuid();
  const createdAtMs = nowMsBig(ctx);
  const txn: NewLedgerTransaction = {
    id: transactionId,
    type: request.type,
    memo: request.memo,
    actorUserId,
    actorTokenId: via.tokenId ?? null,
    actorSessionId: via.sessionHandle ?? null,
    createdAtMs,
  };
  const posted = await ctx.storage.journal.post(trx, { from: leg.from, to: leg.to, journal, transaction: txn, afterDebit: ctx.faults.afterDebit });
  if (posted.kind === 'refused')
    throw refusalOf(posted.facts, { from: leg.from.currency, to: leg.to.currency }) ?? new Error('movement: refused with every fact holding');
  const balances = posted.balances;

  const subject = leg[leg.subject];
  const other = leg.subject === 'from' ? leg.to : leg.from;
  const balanceAfter = leg.subject === 'from' ? balances.from : balances.to;
  // A transfer's payee comes with its owner's name (resolvePayee); a deposit's or withdrawal's other
  // side is the bank's cash account, which has no counterparty to show.
  const counterpartyUsername = other.kind === 'user' ? other.ownerUsername : undefined;
  const result: MovementResult = {
    transaction: {
      id: transactionId,
      type: request.type,
      amountMinor: amount,
      direction: leg.subject === 'from' ? 'debit' : 'credit',
      balanceAfterMinor: balanceAfter,
      currency: subject.currency,
      memo: request.memo,
      counterparty: counterpartyUsername !== undefined ? { username: counterpartyUsername, accountNumber: other.number } : null,
      createdAtMs,
      cursor: 0n,
    },
    account: accountView({ ...subject, balance: balanceAfter }),
  };
  // The webhook of this movement, in its transaction (issue 18; movement-events.ts). Its notices are
  // written after commit, from the sealed ledger (write-movement-notices.ts).
  await recordMovementEvents(ctx, trx, leg, result.transaction);
  return result;
}

async function planLeg(ctx: AppContext, trx: Trx, actorUserId: string, request: MovementRequest): Promise<Leg> {
  switch (request.type) {
    case 'deposit': {
      const account = await findOwnedAccount(trx, actorUserId, request.accountId);
      return { from: await cashAccount(trx, account.currency), to: account, subject: 'to' };
    }
    case 'withdrawal': {
      const account = await findOwnedAccount(trx, actorUserId, request.accountId);
      return { from: account, to: await cashAccount(trx, account.currency), subject: 'from' };
    }
    case 'transfer': {
      const { from, to } = await payerAndPayee(trx, actorUserId, request.fromAccountId, request.to);
      if (to.id === from.id) throw sameAccount();
      return { from, to, subject: 'from' };
    }
  }
}

/**
 * The payer's own account and the payee's. A payee given by account number (the common case) comes
 * in the same query as the payer; the refusals are findOwnedAccount's and resolvePayee's, in order.
 */
async function payerAndPayee(trx: Trx, actorUserId: string, fromAccountId: string, to: string): Promise<{ from: KnownAccount; to: KnownAccount }> {
  const payee = parsePayee(to);
  if (!('accountNumber' in payee)) {
    const from = await findOwnedAccount(trx, actorUserId, fromAccountId, 'from_account_id');
    return { from, to: await resolvePayee(trx, to, from.currency) };
  }
  const found = isPlausibleId(fromAccountId) ? await findPayerAndPayeeByNumber(trx, fromAccountId, payee.accountNumber) : {};
  const from = ownedOrNotFound(found.payer, actorUserId, 'from_account_id');
  if (!found.payee) throw payeeNotFound();
  return { from: known(from), to: known(found.payee) };
}

/** An account row with its owner's name, as KnownAccount (no owner: a system account). */
function known({ owner_username, ...account }: Account & { owner_username: string | null }): KnownAccount {
  return owner_username === null ? account : { ...account, ownerUsername: owner_username };
}

// Built only when needed: an Error captures a stack trace, which every transfer would pay for.
/** The refusal for a payee no account matches (the batched path, movement-facts.ts, answers with it too). */
export const payeeNotFound = () => new DomainError('not_found', 'No account matches that payee.', 'to');

async function cashAccount(trx: Trx, currency: string): Promise<Account> {
  const account = await findSystemAccount(trx, currency);
  if (!account) throw new Error(`no system cash account for ${currency}`);
  return account;
}

/**
 * The payee's account, read by parsePayee's rule (issue 11 class 3): from an account number (check
 * digits verified; a number-shaped typo is 400 invalid_request, never a username) or a username
 * (their first open account in `currency`, else their first open account; no currency: their first
 * open account; closed accounts are skipped).
 * @throws DomainError invalid_request or not_found, both with param "to".
 */
export async function resolvePayee(trx: Db | Trx, to: string, currency?: string): Promise<KnownAccount> {
  const payee = parsePayee(to);
  if ('accountNumber' in payee) {
    const row = await findAccountByNumberWithOwner(trx, payee.accountNumber);
    if (!row) throw payeeNotFound();
    return known(row);
  }
  if ('nothing' in payee) throw payeeNotFound();
  const username = payee.username;
  const user = await findUserByUsername(trx, username);
  if (!user) throw payeeNotFound();
  // A closed account receives nothing (issue 14 item 1): a username pays their first open account.
  const accounts = (await findAccountsByUser(trx, user.id)).filter(isOpen);
  const account = accounts.find((a) => a.currency === currency) ?? accounts[0];
  if (!account) throw payeeNotFound();
  return { ...account, ownerUsername: user.username };
}
