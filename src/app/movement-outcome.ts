/**
 * What came of a money movement, as a value (issue 12 item 2): the use case returns it, the
 * idempotency table stores it (stored-outcome.ts) and each edge renders it, the API as the
 * contract's JSON (src/http/routes/api/money.ts) and the pages as a redirect or a form error
 * (src/http/pages/movement-form.ts). No HTTP status and no JSON of the API in here.
 */
import { DomainError, type ErrorCode } from '../domain/errors.js';
import type { AccountView, TransactionView } from './views.js';

/** The movement was written: the transaction as the actor sees it, and the actor's account after it. */
export interface MovedOutcome {
  kind: 'moved';
  transaction: TransactionView;
  /** The actor's account after the movement (the payer's, for a transfer). */
  account: AccountView;
}

/** The movement was refused for a business reason; nothing moved. `param` names the field at fault. */
export interface RefusedOutcome {
  kind: 'refused';
  code: ErrorCode;
  message: string;
  param?: string;
}

export type MovementOutcome = MovedOutcome | RefusedOutcome;

/** The outcome of a refusal thrown as a DomainError. */
export function refusedBy(error: DomainError): RefusedOutcome {
  return { kind: 'refused', code: error.code, message: error.message, ...(error.param ? { param: error.param } : {}) };
}

/** A refusal as the DomainError it came from (the pages show it beside its field). */
export function refusalAsError(outcome: RefusedOutcome): DomainError {
  return new DomainError(outcome.code, outcome.message, outcome.param);
}
