/**
 * How a movement's outcome is kept in the idempotency table for a retry (issue 12 item 2), and how
 * it is read back, including what the version before issue 12 stored.
 *
 * Today: `response_status` 0 (not an HTTP status: "a typed outcome follows") and `response_body` the
 * outcome as JSON with its bigints as decimal strings and a `format` tag; or, for a transfer posted
 * by PostgreSQL's batch function (issue 17 item 5), the raw facts (`movement-facts/1`,
 * movement-facts.ts), decoded by the same function that read the function's answer.
 * Before: `response_status` the HTTP status (201 or the refusal's) and `response_body` the API's JSON
 * answer (a transaction and an account, or an error). Such rows live for 24 hours after an upgrade
 * (IDEMPOTENCY_TTL); `readStoredOutcome` turns them into the same typed outcome, so a retry replays
 * the same answer on the API and on the pages.
 */
import { errorCodes, type ErrorCode } from '../domain/errors.js';
import type { OutcomeCodec } from './idempotency.js';
import { MOVEMENT_FACTS_FORMAT, outcomeOfFacts } from './movement-facts.js';
import { refusedBy, type MovementOutcome } from './movement-outcome.js';
import type { AccountView, TransactionView } from './views.js';

/** `response_status` of a row holding a typed outcome. HTTP statuses (100 to 599) mark the older format. */
export const TYPED_OUTCOME_STATUS = 0;
const FORMAT = 'movement-outcome/1';

export interface StoredOutcome {
  status: number;
  body: string;
}

/** The stored form of an outcome: bigints as decimal strings, tagged with its format. */
export function storeOutcome(outcome: MovementOutcome): StoredOutcome {
  const body = JSON.stringify({ format: FORMAT, ...outcome }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  return { status: TYPED_OUTCOME_STATUS, body };
}

/**
 * The outcome a stored row holds, in either format.
 * @throws Error when the row is neither (a damaged row: the retry gets a 500, never a wrong answer).
 */
export function readStoredOutcome(stored: StoredOutcome): MovementOutcome {
  const body = JSON.parse(stored.body) as Record<string, unknown>;
  if (stored.status === TYPED_OUTCOME_STATUS && body.format === FORMAT) return typedOutcome(body);
  // Written by PostgreSQL's batch function (migration 019): raw facts, decoded as its answer was.
  if (stored.status === TYPED_OUTCOME_STATUS && body.format === MOVEMENT_FACTS_FORMAT) return outcomeOfFacts(body);
  if (stored.status >= 100 && stored.status <= 599) return legacyOutcome(stored.status, body);
  throw new Error(`stored idempotent outcome in an unknown format (status ${stored.status})`);
}

/** The codec runIdempotent keeps movement outcomes with. */
export const movementOutcomeCodec: OutcomeCodec<MovementOutcome> = { refused: refusedBy, store: storeOutcome, read: readStoredOutcome };

type Json = Record<string, unknown>;

function typedOutcome(body: Json): MovementOutcome {
  if (body.kind === 'refused') return refused(body);
  const t = body.transaction as Json;
  const a = body.account as Json;
  const counterparty = t.counterparty as { username: string; accountNumber: string } | null;
  const transaction: TransactionView = {
    id: text(t.id),
    type: t.type as TransactionView['type'],
    amountMinor: BigInt(text(t.amountMinor)),
    direction: t.direction as TransactionView['direction'],
    balanceAfterMinor: BigInt(text(t.balanceAfterMinor)),
    currency: text(t.currency),
    memo: t.memo === null ? null : text(t.memo),
    counterparty: counterparty && { username: counterparty.username, accountNumber: counterparty.accountNumber },
    createdAtMs: BigInt(text(t.createdAtMs)),
    cursor: BigInt(text(t.cursor)),
  };
  const account: AccountView = {
    id: text(a.id),
    number: text(a.number),
    currency: text(a.currency),
    balanceMinor: BigInt(text(a.balanceMinor)),
    // Outcomes stored before holds (issue 14) have no available balance: nothing was held then.
    availableMinor: BigInt(text(a.availableMinor ?? a.balanceMinor)),
    status: a.status as AccountView['status'],
    // Outcomes stored before accounts had names (issue 14, migration 009) were all the "Main" account.
    name: a.name === undefined ? 'Main' : text(a.name),
    createdAtMs: BigInt(text(a.createdAtMs)),
  };
  return { kind: 'moved', transaction, account };
}

/** The API answer the version before issue 12 stored: 201 with `{transaction, account}`, or an error body. */
function legacyOutcome(status: number, body: Json): MovementOutcome {
  if (status !== 201) return refused(body.error as Json);
  const t = body.transaction as Json;
  const a = body.account as Json;
  const counterparty = t.counterparty as { username: string; account_number: string } | null;
  const transaction: TransactionView = {
    id: text(t.id),
    type: t.type as TransactionView['type'],
    amountMinor: whole(t.amount),
    direction: t.direction as TransactionView['direction'],
    balanceAfterMinor: whole(t.balance_after),
    currency: text(t.currency),
    memo: t.memo === null ? null : text(t.memo),
    counterparty: counterparty && { username: counterparty.username, accountNumber: counterparty.account_number },
    createdAtMs: epochMs(t.created_at),
    cursor: 0n,
  };
  // The old answer had no status; the account was active, or nothing would have moved.
  const account: AccountView = {
    id: text(a.id),
    number: text(a.number),
    currency: text(a.currency),
    balanceMinor: whole(a.balance),
    availableMinor: whole(a.balance),
    status: 'active',
    name: typeof a.name === 'string' ? a.name : 'Main',
    createdAtMs: epochMs(a.created_at),
  };
  return { kind: 'moved', transaction, account };
}

function refused(error: Json): MovementOutcome {
  const code = text(error.code);
  if (!(errorCodes as readonly string[]).includes(code)) throw new Error(`stored refusal with an unknown code ${code}`);
  return {
    kind: 'refused',
    code: code as ErrorCode,
    message: text(error.message),
    ...(typeof error.param === 'string' && error.param ? { param: error.param } : {}),
  };
}

function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error('stored idempotent outcome: a text field is not text');
  return value;
}

/** A JSON number written exactly by the old encoder (amounts stay within 2^53 - 1, so a double holds them). */
function whole(value: unknown): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new Error('stored idempotent outcome: an amount is not a whole number');
  return BigInt(value);
}

/** An RFC 3339 time as written by the API (millisecond precision) back to epoch milliseconds. */
function epochMs(value: unknown): bigint {
  const ms = Date.parse(text(value));
  if (Number.isNaN(ms)) throw new Error('stored idempotent outcome: a time is not a time');
  return BigInt(ms);
}
