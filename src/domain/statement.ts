/**
 * A monthly statement (issue 16 item 3; contract "Statements and the ledger chain"; format in
 * docs/ledger.md): its JSON shape, the figures computed from a month's movements, and the
 * arithmetic check an offline verifier runs (item 4). Every amount is an integer of minor units
 * within ±(2^53 - 1), so a JSON number holds it exactly; sums are computed in bigint.
 */

/** A transaction as the API lists it for this account (`balance_after` is the running balance). */
export interface StatementTransaction {
  id: string;
  type: string;
  amount: number;
  direction: 'credit' | 'debit';
  balance_after: number;
  currency: string;
  memo: string | null;
  counterparty: { username: string; account_number: string } | null;
  created_at: string;
}

export interface StatementAccount {
  id: string;
  number: string;
  currency: string;
  /** The account holder's username. */
  holder: string;
}

/** Everything the signature covers: the statement without `signature`. */
export interface UnsignedStatement {
  account: StatementAccount;
  /** `YYYY-MM`, a UTC calendar month. */
  month: string;
  /** False for the current (interim) month. */
  final: boolean;
  opening_balance: number;
  closing_balance: number;
  total_credits: number;
  total_debits: number;
  transactions: StatementTransaction[];
  /** The ledger chain's head at the close (the latest sealed position when issued, for an interim month). */
  ledger_head: { seq: number; hash: string };
  issued_at: string;
  key_id: string;
}

export interface SignedStatement extends UnsignedStatement {
  /** Ed25519 over RFC 8785 canonical JSON of the statement without this field, base64url, unpadded. */
  signature: string;
}

export interface StatementFigures {
  closingMinor: bigint;
  creditsMinor: bigint;
  debitsMinor: bigint;
}

/** A movement of the month, oldest first: `amountMinor` positive, `direction` says which way. */
export interface StatementMovement {
  amountMinor: bigint;
  direction: 'credit' | 'debit';
  balanceAfterMinor: bigint;
}

const SAFE = 2n ** 53n - 1n;

/** Totals of a month's movements; the closing balance is the last running balance (the opening one when none). */
export function statementFigures(openingMinor: bigint, movements: readonly StatementMovement[]): StatementFigures {
  let creditsMinor = 0n;
  let debitsMinor = 0n;
  for (const m of movements) {
    if (m.direction === 'credit') creditsMinor += m.amountMinor;
    else debitsMinor += m.amountMinor;
  }
  const last = movements[movements.length - 1];
  return { closingMinor: last ? last.balanceAfterMinor : openingMinor, creditsMinor, debitsMinor };
}

/** Converts an exact minor-unit amount to a JSON number; throws (a bug or an impossible ledger) when it would lose digits. */
export function jsonInteger(minor: bigint): number {
  if (minor > SAFE || minor < -SAFE) throw new Error(`amount ${minor} does not fit a statement's JSON numbers (±2^53-1)`);
  return Number(minor);
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function shapeProblems(s: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of ['opening_balance', 'closing_balance', 'total_credits', 'total_debits']) {
    if (!isInteger(s[field])) problems.push(`${field} is not a whole number of minor units`);
  }
  if (typeof s.month !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(s.month)) problems.push('month is not YYYY-MM');
  if (typeof s.final !== 'boolean') problems.push('final is not true or false');
  const account = s.account as Record<string, unknown> | null | undefined;
  if (typeof account !== 'object' || account === null || typeof account.currency !== 'string') problems.push('account is missing or has no currency');
  if (!Array.isArray(s.transactions)) problems.push('transactions is not a list');
  for (const field of ['issued_at', 'key_id', 'signature']) {
    if (typeof s[field] !== 'string') problems.push(`${field} is missing`);
  }
  return problems;
}

function transactionProblems(transactions: unknown[], openingMinor: bigint, currency: unknown): { problems: string[]; movements: StatementMovement[] } {
  const problems: string[] = [];
  const movements: StatementMovement[] = [];
  let running = openingMinor;
  transactions.forEach((raw, i) => {
    const t = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const label = `transaction ${i + 1}${typeof t.id === 'string' ? ` (${t.id})` : ''}`;
    if (!isInteger(t.amount) || t.amount <= 0 || !isInteger(t.balance_after) || (t.direction !== 'credit' && t.direction !== 'debit')) {
      problems.push(`${label} has no positive amount, direction and running balance`);
      return;
    }
    if (t.currency !== currency) problems.push(`${label} is in ${String(t.currency)}, not the account's ${String(currency)}`);
    const amountMinor = BigInt(t.amount);
    running += t.direction === 'credit' ? amountMinor : -amountMinor;
    if (BigInt(t.balance_after) !== running) {
      problems.push(
        `${label}: running balance ${t.balance_after} should be ${running} (previous balance ${t.direction === 'credit' ? '+' : '-'} ${amountMinor})`,
      );
    }
    running = BigInt(t.balance_after);
    movements.push({ amountMinor, direction: t.direction, balanceAfterMinor: running });
  });
  return { problems, movements };
}

/**
 * The arithmetic and shape problems of a parsed statement (empty when sound): opening + credits -
 * debits = closing, each running balance follows from the one before, the totals are the sums of
 * the listed transactions, and the closing balance is the last running balance. The signature is
 * checked elsewhere (it needs a key). Sentences meant for a person.
 */
export function statementProblems(parsed: unknown): string[] {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return ['the statement is not a JSON object'];
  const s = parsed as Record<string, unknown>;
  const shape = shapeProblems(s);
  if (shape.length > 0) return shape;
  const opening = BigInt(s.opening_balance as number);
  const closing = BigInt(s.closing_balance as number);
  const credits = BigInt(s.total_credits as number);
  const debits = BigInt(s.total_debits as number);
  const { problems, movements } = transactionProblems(s.transactions as unknown[], opening, (s.account as { currency: unknown }).currency);
  if (opening + credits - debits !== closing) {
    problems.push(`opening ${opening} + credits ${credits} - debits ${debits} = ${opening + credits - debits}, not the closing balance ${closing}`);
  }
  if (problems.length > 0) return problems;
  const figures = statementFigures(opening, movements);
  if (figures.creditsMinor !== credits) problems.push(`total_credits ${credits} is not the sum of the credits listed (${figures.creditsMinor})`);
  if (figures.debitsMinor !== debits) problems.push(`total_debits ${debits} is not the sum of the debits listed (${figures.debitsMinor})`);
  if (figures.closingMinor !== closing) problems.push(`closing_balance ${closing} is not the last running balance (${figures.closingMinor})`);
  return problems;
}
