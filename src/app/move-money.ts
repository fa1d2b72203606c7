/**
 * Deposits, withdrawals and transfers. Each is applied inside a transaction the caller owns, so many
 * movements can share one commit (group commit) and each can sit in its own savepoint. Business
 * failures are thrown as DomainError before anything is written, or roll back with their savepoint.
 */
import { DomainError } from '../domain/errors.js';
import { transferJournal, type Journal } from '../domain/journal.js';
import { MAX_BALANCE_MINOR } from '../domain/money.js';
import { parsePayee } from '../domain/payee.js';
import { credit, debitIfCovered, findAccountByNumberWithOwner, findAccountsByUser, findPayerAndPayeeByNumber, findSystemAccount } from '../storage/repositories/account-repository.js';
import { appendTransaction, type NewLedgerTransaction } from '../storage/repositories/ledger-repository.js';
import { moveInOneStatement, type MovementFacts } from '../storage/repositories/movement-statement.js';
import { findUserByUsername } from '../storage/repositories/user-repository.js';
import type { AccountRow } from '../storage/schema.js';
import type { Db, Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { findOwnedAccount, isPlausibleId, ownedOrNotFound } from './owned-account.js';
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
type KnownAccount = AccountRow & { ownerUsername?: string };

interface Leg {
  from: KnownAccount;
  to: KnownAccount;
  /** The account the result is reported for. */
  subject: 'from' | 'to';
}

export async function applyMovement(ctx: AppContext, trx: Trx, actorUserId: string, request: MovementRequest, via: ActorCredential = {}): Promise<MovementResult> {
  const leg = await planLeg(ctx, trx, actorUserId, request);
  const amount = request.amountMinor;
  const journal = transferJournal(leg.from.id, leg.to.id, leg.from.currency, amount);
  const transactionId = ctx.random.uuid();
  const createdAtMs = nowMsBig(ctx);
  const txn: NewLedgerTransaction = { id: transactionId, type: request.type, memo: request.memo, actorUserId, actorTokenId: via.tokenId ?? null, actorSessionId: via.sessionHandle ?? null, createdAtMs };
  const balances = ctx.storage.dialect === 'postgres' ? await postInOneStatement(ctx, trx, leg, journal, txn) : await postStepByStep(ctx, trx, leg, amount, journal, txn);

  const subject = leg[leg.subject];
  const other = leg.subject === 'from' ? leg.to : leg.from;
  const balanceAfter = leg.subject === 'from' ? balances.from : balances.to;
  // A transfer's payee comes with its owner's name (resolvePayee); a deposit's or withdrawal's other
  // side is the bank's cash account, which has no counterparty to show.
  const counterpartyUsername = other.kind === 'user' ? other.ownerUsername : undefined;
  return {
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
}

type Balances = { from: bigint; to: bigint };

/**
 * The one rule a movement is decided by (issue 11 classes 5 and 6), applied to facts read from the
 * locked rows: both accounts active, one currency, both new balances within the bound on stored
 * amounts (money.ts), and the payer's funds (the bank's cash account may go negative). The first
 * that fails is the refusal; nothing has been written when it is thrown.
 */
function refuseUnless(facts: MovementFacts, leg: Leg): void {
  if (!facts.active) throw new DomainError('account_frozen', 'This account is frozen; no money can move in or out.');
  if (!facts.sameCurrency) throw new DomainError('currency_mismatch', `The payee's account holds ${leg.to.currency}, not ${leg.from.currency}.`, 'to');
  if (!facts.withinBounds) throw limitReached();
  if (!facts.covered) throw insufficientFunds();
}

/** True when a balance (as read: a float in a damaged SQLite row is not a bigint) plus `delta` stays within the bound. */
function staysWithinBound(balance: unknown, delta: bigint): boolean {
  if (typeof balance !== 'bigint') return false;
  const after = balance + delta;
  return after >= -MAX_BALANCE_MINOR && after <= MAX_BALANCE_MINOR;
}

/** The facts of a movement, from rows read under SQLite's write lock (BEGIN IMMEDIATE: no one else can change them). */
function factsOf(leg: Leg, amount: bigint): MovementFacts {
  return {
    active: leg.from.status === 'active' && leg.to.status === 'active',
    sameCurrency: leg.from.currency === leg.to.currency,
    withinBounds: staysWithinBound(leg.from.balance, -amount) && staysWithinBound(leg.to.balance, amount),
    covered: leg.from.kind === 'system' || leg.from.balance >= amount,
  };
}

/**
 * SQLite: decide on the rows planLeg read (BEGIN IMMEDIATE already holds the database's only write
 * lock, so they are current and stay so), then debit with the race-free conditional update, credit,
 * and append the ledger rows: nothing is written on a refusal.
 */
async function postStepByStep(ctx: AppContext, trx: Trx, leg: Leg, amount: bigint, journal: Journal, txn: NewLedgerTransaction): Promise<Balances> {
  refuseUnless(factsOf(leg, amount), leg);
  const fromBalance = await debitIfCovered(trx, leg.from.id, amount);
  if (fromBalance === undefined) throw insufficientFunds();
  await ctx.faults.afterDebit?.();
  const balances = { from: BigInt(fromBalance), to: BigInt(await credit(trx, leg.to.id, amount)) };
  await appendTransaction(trx, txn, journal.map((line) => ({ ...line, balanceAfterMinor: line.accountId === leg.from.id ? balances.from : balances.to })));
  return balances;
}

/**
 * PostgreSQL: locks, decision, debit, credit and ledger rows in one statement (movement-statement.ts),
 * one round trip instead of five; it decides on the rows it locked (not on planLeg's, which a freeze
 * or a payment may have changed while it waited for the locks) and writes nothing on a refusal. There is no moment between debit and
 * credit any more, so the fault hook runs at the closest point: after the statement, with the
 * movement written but not committed.
 */
async function postInOneStatement(ctx: AppContext, trx: Trx, leg: Leg, journal: Journal, txn: NewLedgerTransaction): Promise<Balances> {
  const outcome = await moveInOneStatement(trx, journal, txn);
  refuseUnless(outcome.facts, leg);
  if (!outcome.balances) throw new Error('movement: approved but not written');
  await ctx.faults.afterDebit?.();
  return outcome.balances;
}

const limitReached = () =>
  new DomainError('limit_reached', `That would take an account past the largest balance the bank keeps (${MAX_BALANCE_MINOR} minor units); nothing was moved.`, 'amount');
const insufficientFunds = () => new DomainError('insufficient_funds', 'The balance does not cover this amount.', 'amount');

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
      if (to.id === from.id) throw new DomainError('same_account', 'You cannot send money to the account it comes from.', 'to');
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
function known({ owner_username, ...account }: AccountRow & { owner_username: string | null }): KnownAccount {
  return owner_username === null ? account : { ...account, ownerUsername: owner_username };
}

// Built only when needed: an Error captures a stack trace, which every transfer would pay for.
const payeeNotFound = () => new DomainError('not_found', 'No account matches that payee.', 'to');

async function cashAccount(trx: Trx, currency: string): Promise<AccountRow> {
  const account = await findSystemAccount(trx, currency);
  if (!account) throw new Error(`no system cash account for ${currency}`);
  return account;
}

/**
 * The payee's account, read by parsePayee's rule (issue 11 class 3): from an account number (check
 * digits verified; a number-shaped typo is 400 invalid_request, never a username) or a username
 * (their first account in `currency`, else their first account; no currency: their first account).
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
  const accounts = await findAccountsByUser(trx, user.id);
  const account = accounts.find((a) => a.currency === currency) ?? accounts[0];
  if (!account) throw payeeNotFound();
  return { ...account, ownerUsername: user.username };
}
