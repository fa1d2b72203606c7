import type { ErrorCode } from '../domain/errors.js';

/** One status per error code; a code added to the domain without a status here fails to compile. */
export const errorStatus: { readonly [K in ErrorCode]: number } = {
  invalid_request: 400,
  invalid_amount: 400,
  unauthenticated: 401,
  mfa_required: 401,
  forbidden: 403,
  step_up_required: 403,
  csrf_failed: 403,
  not_found: 404,
  method_not_allowed: 405,
  username_taken: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  insufficient_funds: 422,
  same_account: 422,
  currency_mismatch: 422,
  account_frozen: 422,
  limit_reached: 422,
  account_not_empty: 422,
  last_account: 422,
  account_closed: 422,
  hold_not_pending: 409,
  amount_exceeds_hold: 422,
  request_not_pending: 409,
  already_reversed: 409,
  approval_not_pending: 409,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; param?: string; request_id?: string };
}

export function errorBody(code: ErrorCode, message: string, param?: string, requestId?: string): ErrorBody {
  return { error: { code, message, ...(param ? { param } : {}), ...(requestId ? { request_id: requestId } : {}) } };
}
