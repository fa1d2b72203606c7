/**
 * What came of placing a hold, as a value (like movement-outcome.ts): the use case returns it, the
 * idempotency table keeps it for a retry with the same Idempotency-Key (contract "Holds": "as for
 * money POSTs"), and each edge renders it. Stored as tagged JSON with bigints as decimal strings.
 */
import { DomainError, errorCodes, type ErrorCode } from '../domain/errors.js';
import type { HoldView } from './hold-views.js';
import type { OutcomeCodec } from './idempotency.js';
import { refusedBy, type RefusedOutcome } from './movement-outcome.js';
import { TYPED_OUTCOME_STATUS } from './stored-outcome.js';
import type { AccountView } from './views.js';

export interface PlacedOutcome {
  kind: 'placed';
  hold: HoldView;
  /** The payer's account after the reserve (its available balance is lower by the amount). */
  account: AccountView;
}

export type HoldOutcome = PlacedOutcome | RefusedOutcome;

const FORMAT = 'hold-outcome/1';

type Json = Record<string, unknown>;

const BIG = new Set(['amountMinor', 'capturedMinor', 'expiresAtMs', 'createdAtMs', 'resolvedAtMs', 'balanceMinor', 'availableMinor']);

/** The codec runIdempotent keeps hold placements with. */
export const holdOutcomeCodec: OutcomeCodec<HoldOutcome> = {
  refused: refusedBy,
  store(outcome) {
    const body = JSON.stringify({ format: FORMAT, ...outcome }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    return { status: TYPED_OUTCOME_STATUS, body };
  },
  read(stored) {
    const body = JSON.parse(stored.body, (key, value: unknown) => (BIG.has(key) && typeof value === 'string' ? BigInt(value) : value)) as Json;
    // A key first used on another route (a transfer) holds another format: a conflict, never a wrong answer.
    if (stored.status !== TYPED_OUTCOME_STATUS || body.format !== FORMAT)
      throw new DomainError('idempotency_conflict', 'This Idempotency-Key was already used with a different request.', 'Idempotency-Key');
    if (body.kind === 'refused') {
      const error = body as { code: string; message: string; param?: string };
      if (!(errorCodes as readonly string[]).includes(error.code)) throw new Error(`stored refusal with an unknown code ${error.code}`);
      return { kind: 'refused', code: error.code as ErrorCode, message: error.message, ...(error.param ? { param: error.param } : {}) };
    }
    return { kind: 'placed', hold: body.hold as HoldView, account: body.account as AccountView };
  },
};
