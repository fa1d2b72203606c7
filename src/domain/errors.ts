/**
 * The closed list of outcomes a client can be told about. Expected business outcomes are values of
 * this list; anything else is a bug and surfaces as `internal_error`. The HTTP layer maps each code to
 * a status in one exhaustive table (src/http/error-status.ts), which fails to compile when a code is
 * added here without a status.
 */
export const errorCodes = [
  'invalid_request',
  'invalid_amount',
  'unauthenticated',
  'mfa_required',
  'forbidden',
  'step_up_required',
  'csrf_failed',
  'not_found',
  'method_not_allowed',
  'username_taken',
  'idempotency_conflict',
  'payload_too_large',
  'unsupported_media_type',
  'insufficient_funds',
  'same_account',
  'currency_mismatch',
  'account_frozen',
  'limit_reached',
  'account_not_empty',
  'last_account',
  'account_closed',
  'hold_not_pending',
  'amount_exceeds_hold',
  'request_not_pending',
  'already_reversed',
  'approval_not_pending',
  'rate_limited',
  'internal_error',
  'unavailable',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

/** `rate_limited` with how long to wait; the HTTP layer sends it as `Retry-After` (whole seconds). */
export class RateLimitedError extends DomainError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'Too many requests. Wait a moment and try again.') {
    super('rate_limited', message);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}
