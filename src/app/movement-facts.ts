/**
 * The raw facts of one transfer decided by PostgreSQL's batch function (migration 019, issue 17
 * item 5), and the one function that turns them into a MovementOutcome. The function returns these
 * facts to the caller AND stores them in the idempotency row (`response_status` 0, format
 * `movement-facts/1`); `readStoredOutcome` decodes a stored row through `outcomeOfFacts` too, so the
 * answer and its replay cannot differ, and no copy of the API's JSON lives in SQL. Refusal texts
 * come from domain/movement-rules.ts and owned-account.ts, never from SQL.
 *
 * Shape (bigints as decimal strings):
 * - moved: `{kind: 'moved', transactionId, amountMinor, memo, createdAtMs, payer: {id, number,
 *   currency, status, name, createdAtMs, balanceMinor (after), heldMinor, closedAtMs}, payee:
 *   {number, username}}`
 * - refused: `{kind: 'refused', reason: 'payer_not_found' | 'payee_not_found' | 'same_account'}` or
 *   `{kind: 'refused', reason: 'rules', facts: MovementFacts, currencies: {from, to}}`
 */
import { DomainError } from '../domain/errors.js';
import { refusalOf, sameAccount, type MovementFacts } from '../domain/movement-rules.js';
import { payeeNotFound } from './move-money.js';
import { refusedBy, type MovementOutcome } from './movement-outcome.js';
import { ownedOrNotFound } from './owned-account.js';
import { accountView } from './views.js';

/** The `format` tag of a stored row of facts. */
export const MOVEMENT_FACTS_FORMAT = 'movement-facts/1';

type Json = Record<string, unknown>;

/**
 * The outcome the facts mean, exactly as applyMovement would have answered for the same rows.
 * @throws Error for facts in no known shape (a damaged row: a 500, never a wrong answer).
 */
export function outcomeOfFacts(body: Json): MovementOutcome {
  if (body.kind === 'refused') return refusedBy(refusalOfFacts(body));
  if (body.kind !== 'moved') throw new Error('movement facts: unknown kind');
  const payer = body.payer as Json;
  const payee = body.payee as Json;
  const balance = BigInt(text(payer.balanceMinor));
  const createdAtMs = BigInt(text(body.createdAtMs));
  return {
    kind: 'moved',
    transaction: {
      id: text(body.transactionId),
      type: 'transfer',
      amountMinor: BigInt(text(body.amountMinor)),
      direction: 'debit',
      balanceAfterMinor: balance,
      currency: text(payer.currency),
      memo: body.memo === null ? null : text(body.memo),
      counterparty: { username: text(payee.username), accountNumber: text(payee.number) },
      createdAtMs,
      cursor: 0n,
    },
    account: accountView({
      id: text(payer.id),
      number: text(payer.number),
      currency: text(payer.currency),
      balance,
      held: BigInt(text(payer.heldMinor)),
      status: text(payer.status) as 'active' | 'frozen',
      name: text(payer.name),
      created_at: BigInt(text(payer.createdAtMs)),
      closed_at: payer.closedAtMs === null || payer.closedAtMs === undefined ? null : BigInt(text(payer.closedAtMs)),
    } as Parameters<typeof accountView>[0]),
  };
}

function refusalOfFacts(body: Json): DomainError {
  switch (body.reason) {
    case 'payer_not_found':
      return caught(() => ownedOrNotFound(undefined, '', 'from_account_id'));
    case 'payee_not_found':
      return payeeNotFound();
    case 'same_account':
      return sameAccount();
    case 'rules': {
      const facts = body.facts as MovementFacts;
      const currencies = body.currencies as { from: string; to: string };
      const refusal = refusalOf(facts, { from: text(currencies.from), to: text(currencies.to) });
      if (!refusal) throw new Error('movement facts: refused with every fact holding');
      return refusal;
    }
    default:
      throw new Error('movement facts: unknown refusal');
  }
}

function caught(refuse: () => unknown): DomainError {
  try {
    refuse();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('movement facts: expected a refusal');
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error('movement facts: a text field is not text');
  return value;
}
