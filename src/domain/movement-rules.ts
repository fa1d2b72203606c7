/**
 * The decision of a movement (issue 12 item 1): which conditions must hold, in which order they are
 * checked, and which refusal each gives. Pure: no storage, no clock. Each database gathers the facts
 * on the rows it has locked (issue 11 class 6) and asks this module what they mean; the SQL form of
 * the two rules the PostgreSQL statement must evaluate itself (the overdraft rule and the bound) is
 * built from the constants exported here (storage/dialects/postgres/movement-sql.ts).
 */
import { DomainError } from './errors.js';
import { MAX_BALANCE_MINOR } from './money.js';

export type AccountKind = 'user' | 'system';
export type AccountStatus = 'active' | 'frozen';

/** An account as a movement sees it. `balance` is as read: a damaged SQLite row may hold a float. */
export interface MovementParty {
  kind: AccountKind;
  status: AccountStatus;
  currency: string;
  balance: bigint | number;
  /**
   * The sum of the account's pending holds as payer (issue 14 item 2, migration 010), reserved out of
   * `balance`: what it may spend is `balance - held`, its available balance. Absent: nothing held.
   */
  held?: bigint | number;
  /** When its owner closed it (issue 14 item 1, migration 009), or null/absent while open. */
  closed_at?: bigint | number | null;
}

/** What a movement is decided on, read from the locked rows. */
export interface MovementFacts {
  /** Neither account is closed: a closed account neither sends nor receives (issue 14 item 1). */
  open: boolean;
  /** Both accounts are `active` (not frozen). */
  active: boolean;
  /** Both accounts hold the same currency. */
  sameCurrency: boolean;
  /** Both new balances stay within -MAX_BALANCE_MINOR..MAX_BALANCE_MINOR (issue 11 class 5). */
  withinBounds: boolean;
  /** The payer's available balance (balance - held) covers the amount (the overdraft rule, `covers`). */
  covered: boolean;
}

/**
 * The overdraft rule, its one home: the kinds of account whose balance may go below zero. The
 * bank's cash account (`system`) is a liability and goes negative as customers deposit; a customer's
 * account never does. Exported as data so the PostgreSQL statement can evaluate it in SQL.
 */
export const KINDS_THAT_MAY_OVERDRAW: readonly AccountKind[] = ['system'];

/**
 * True when `payer` may pay `amountMinor`: its kind may overdraw, or its available balance (balance
 * minus what its pending holds reserve, issue 14 item 2) covers the amount. A hold reserves by this
 * rule too, so every later withdrawal, transfer and hold sees the money already promised.
 */
export function covers(payer: Pick<MovementParty, 'kind' | 'balance' | 'held'>, amountMinor: bigint): boolean {
  if (KINDS_THAT_MAY_OVERDRAW.includes(payer.kind)) return true;
  const held = payer.held ?? 0n;
  return typeof payer.balance === 'bigint' && typeof held === 'bigint' && payer.balance - held >= amountMinor;
}

/** True when a balance (as read: a float is not a whole number we trust) plus `deltaMinor` stays within the bound. */
export function staysWithinBound(balance: bigint | number, deltaMinor: bigint): boolean {
  if (typeof balance !== 'bigint') return false;
  const after = balance + deltaMinor;
  return after >= -MAX_BALANCE_MINOR && after <= MAX_BALANCE_MINOR;
}

/** The facts of moving `amountMinor` from `from` to `to`, from rows the caller holds locked. */
export function factsOf(from: MovementParty, to: MovementParty, amountMinor: bigint): MovementFacts {
  return {
    open: isOpen(from) && isOpen(to),
    active: from.status === 'active' && to.status === 'active',
    sameCurrency: from.currency === to.currency,
    withinBounds: staysWithinBound(from.balance, -amountMinor) && staysWithinBound(to.balance, amountMinor),
    covered: covers(from, amountMinor),
  };
}

/** True when every fact holds: the movement may be written. */
export function approves(facts: MovementFacts): boolean {
  return facts.open && facts.active && facts.sameCurrency && facts.withinBounds && facts.covered;
}

/**
 * The refusal of a movement whose facts do not all hold, by the one order (issue 11 classes 5 and
 * 6): `account_closed`, `account_frozen`, `currency_mismatch`, `limit_reached`, `insufficient_funds`. Undefined when
 * the facts approve it. `currencies` names both sides in the mismatch message.
 */
export function refusalOf(facts: MovementFacts, currencies: { from: string; to: string }): DomainError | undefined {
  if (!facts.open) return accountClosed();
  if (!facts.active) return accountFrozen();
  if (!facts.sameCurrency) return currencyMismatch(currencies);
  if (!facts.withinBounds) return limitReached();
  if (!facts.covered) return insufficientFunds();
  return undefined;
}

/** A transfer to the account it comes from: refused before anything is read under lock. */
export const sameAccount = () => new DomainError('same_account', 'You cannot send money to the account it comes from.', 'to');

/** The payee holds another currency (transfers, the web review step, and the locked check). */
export const currencyMismatch = (currencies: { from: string; to: string }) =>
  new DomainError('currency_mismatch', `The payee's account holds ${currencies.to}, not ${currencies.from}.`, 'to');

/** True while the account's owner has not closed it. */
export const isOpen = (account: Pick<MovementParty, 'closed_at'>): boolean => account.closed_at === null || account.closed_at === undefined;

export const accountClosed = () => new DomainError('account_closed', 'This account is closed; no money can move in or out.');
const accountFrozen = () => new DomainError('account_frozen', 'This account is frozen; no money can move in or out.');
const limitReached = () =>
  new DomainError(
    'limit_reached',
    `That would take an account past the largest balance the bank keeps (${MAX_BALANCE_MINOR} minor units); nothing was moved.`,
    'amount',
  );
const insufficientFunds = () => new DomainError('insufficient_funds', 'The balance does not cover this amount.', 'amount');
