/**
 * Deposits, withdrawals and transfers. Each is applied inside a transaction the caller owns, so many
 * movements can share one commit (group commit) and each can sit in its own savepoint. Business
 * failures are thrown as DomainError before anything is written, or roll back with their savepoint.
 */
import { parseAccountNumber } from '../domain/account-number.js';
import { DomainError } from '../domain/errors.js';
import { transferJournal, type Journal } from '../domain/journal.js';
import { INT64_MAX } from '../domain/money.js';
import { usernameOrNull } from '../domain/username.js';
import { credit, debitIfCovered, findAccountByNumberWithOwner, findAccountsByUser, findPayerAndPayeeByNumber, findSystemAccount } from '../storage/repositories/account-repository.js';
import { appendTransaction, type NewLedgerTransaction } from '../storage/repositories/ledger-repository.js';
import { moveInOneStatement } from '../storage/repositories/movement-statement.js';
import { findUserByUsername } from '../storage/repositories/user-repository.js';
import type { AccountRow } from '../storage/schema.js';
import type { Trx } from '../storage/storage.js';
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
  for (const account of [leg.from, leg.to]) {
    if (account.status !== 'active') throw new DomainError('account_frozen', 'This account is frozen; no money can move in or out.');
  }
  if (leg.from.currency !== leg.to.currency) {
    throw new DomainError('currency_mismatch', `The payee's account holds ${leg.to.currency}, not ${leg.from.currency}.`, 'to');
  }
  const amount = request.amountMinor;
  const journal = transferJournal(leg.from.id, leg.to.id, leg.from.currency, amount);
  const transactionId = ctx.random.uuid();
  const createdAtMs = nowMsBig(ctx);
  const txn: NewLedgerTransaction = { id: transactionId, type: request.type, memo: request.memo, actorUserId, actorTokenId: via.tokenId ?? null, actorSessionId: via.sessionHandle ?? null, createdAtMs };
  const balances = ctx.storage.dialect === 'postgres' ? await postInOneStatement(ctx, trx, journal, txn) : await postStepByStep(ctx, trx, leg, amount, journal, txn);

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
 * SQLite: debit first, with the race-free conditional update, then credit, then the ledger rows:
 * nothing is written on a refusal. BEGIN IMMEDIATE already holds the database's only write lock,
 * so the payee's balance read by planLeg is current.
 */
async function postStepByStep(ctx: AppContext, trx: Trx, leg: Leg, amount: bigint, journal: Journal, txn: NewLedgerTransaction): Promise<Balances> {
  if (leg.to.kind === 'user' && BigInt(leg.to.balance) > INT64_MAX - amount) throw tooLarge();
  const fromBalance = await debitIfCovered(trx, leg.from.id, amount);
  if (fromBalance === undefined) throw insufficientFunds();
  await ctx.faults.afterDebit?.();
  const balances = { from: BigInt(fromBalance), to: BigInt(await credit(trx, leg.to.id, amount)) };
  await appendTransaction(trx, txn, journal.map((line) => ({ ...line, balanceAfterMinor: line.accountId === leg.from.id ? balances.from : balances.to })));
  return balances;
}

/**
 * PostgreSQL: locks, debit, credit and ledger rows in one statement (movement-statement.ts), one
 * round trip instead of five; it writes nothing on a refusal. There is no moment between debit and
 * credit any more, so the fault hook runs at the closest point: after the statement, with the
 * movement written but not committed.
 */
async function postInOneStatement(ctx: AppContext, trx: Trx, journal: Journal, txn: NewLedgerTransaction): Promise<Balances> {
  const outcome = await moveInOneStatement(trx, journal, txn);
  if (!outcome.fits) throw tooLarge();
  if (!outcome.balances) throw insufficientFunds();
  await ctx.faults.afterDebit?.();
  return outcome.balances;
}

const tooLarge = () => new DomainError('invalid_amount', 'That would exceed the largest balance an account can hold.', 'amount');
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
  const number = parseAccountNumber(to);
  if (!number) {
    const from = await findOwnedAccount(trx, actorUserId, fromAccountId, 'from_account_id');
    return { from, to: await resolvePayee(trx, to, from.currency) };
  }
  const found = isPlausibleId(fromAccountId) ? await findPayerAndPayeeByNumber(trx, fromAccountId, number) : {};
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
 * The payee's account from an account number (check digits verified) or a username (their first
 * account in the payer's currency, else their first account).
 */
export async function resolvePayee(trx: Trx, to: string, currency: string): Promise<KnownAccount> {
  const number = parseAccountNumber(to);
  if (number) {
    const row = await findAccountByNumberWithOwner(trx, number);
    if (!row) throw payeeNotFound();
    return known(row);
  }
  const username = usernameOrNull(to);
  if (username === null) throw payeeNotFound();
  const user = await findUserByUsername(trx, username);
  if (!user) throw payeeNotFound();
  const accounts = await findAccountsByUser(trx, user.id);
  const account = accounts.find((a) => a.currency === currency) ?? accounts[0];
  if (!account) throw payeeNotFound();
  return { ...account, ownerUsername: user.username };
}
