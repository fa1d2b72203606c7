/**
 * The contract's errors in the OpenAPI document (issue 12 item 6): one Error schema whose `code` is
 * the closed list of src/domain/errors.ts, and per operation one response per status it can answer,
 * naming the codes behind that status (src/http/error-status.ts decides the status; nothing here
 * repeats it). Only the document is shaped here: the replies themselves are written by errors.ts.
 */
import type { RouteOptions } from 'fastify';
import { errorCodes, type ErrorCode } from '../domain/errors.js';
import { errorStatus } from './error-status.js';

/** `{"error": {"code", "message", "param"?, "request_id"?}}` (contract "Errors"), for components.schemas. */
export function errorSchema(codes: readonly ErrorCode[] = errorCodes) {
  return {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', enum: [...codes] },
          message: { type: 'string', description: 'For people; may change. Programs read `code`.' },
          param: { type: 'string', description: 'The request field at fault, when there is one.' },
          request_id: { type: 'string', description: 'On 5xx answers: quote it when reporting the problem.' },
        },
      },
    },
  } as const;
}

/** Every route of the API can answer these (validation, 405 for a missing method, limits, faults). */
const ANY_ROUTE: readonly ErrorCode[] = ['invalid_request', 'method_not_allowed', 'rate_limited', 'internal_error', 'unavailable'];
const WITH_BEARER: readonly ErrorCode[] = ['unauthenticated'];
const WITH_BODY: readonly ErrorCode[] = ['payload_too_large', 'unsupported_media_type'];
const WITH_AMOUNT: readonly ErrorCode[] = ['invalid_amount'];
const WITH_IDEMPOTENCY_KEY: readonly ErrorCode[] = ['idempotency_conflict'];
const WITH_ACCOUNT: readonly ErrorCode[] = ['not_found'];

/**
 * The business refusals a use case can give, beyond what the route's shape shows (contract "JSON
 * API"). A route not listed gets only the codes its shape implies; the OpenAPI test proves every
 * code of the closed list is documented on some operation or, for the pages' `csrf_failed`, in the
 * Error schema.
 */
const OUTCOMES: Readonly<Record<string, readonly ErrorCode[]>> = {
  'POST /api/v1/signup': ['username_taken'],
  'POST /api/v1/deposits': ['forbidden', 'account_frozen', 'account_closed', 'limit_reached'],
  'POST /api/v1/withdrawals': ['insufficient_funds', 'account_frozen', 'account_closed'],
  'POST /api/v1/transfers': [
    'insufficient_funds',
    'same_account',
    'currency_mismatch',
    'account_frozen',
    'account_closed',
    'limit_reached',
    'step_up_required',
  ],
  'POST /api/v1/accounts': ['limit_reached'],
  'POST /api/v1/accounts/:account_id/close': ['last_account', 'account_not_empty', 'account_frozen'],
  'POST /api/v1/auth/token': ['mfa_required'],
  'POST /api/v1/password-reset/confirm': ['mfa_required'],
  'POST /api/v1/admin/users/:user_id/password-reset': ['forbidden'],
  'GET /api/v1/payees': ['not_found'],
  'POST /api/v1/holds': ['insufficient_funds', 'same_account', 'currency_mismatch', 'account_frozen', 'account_closed', 'limit_reached', 'step_up_required'],
  'POST /api/v1/holds/:hold_id/capture': ['hold_not_pending', 'amount_exceeds_hold', 'account_frozen', 'account_closed', 'limit_reached'],
  'POST /api/v1/holds/:hold_id/void': ['hold_not_pending'],
  'POST /api/v1/payment-requests': ['not_found', 'same_account', 'currency_mismatch', 'account_frozen', 'account_closed', 'limit_reached'],
  'POST /api/v1/payment-requests/:id/pay': [
    'not_found',
    'request_not_pending',
    'insufficient_funds',
    'currency_mismatch',
    'account_frozen',
    'account_closed',
    'limit_reached',
    'step_up_required',
  ],
  'POST /api/v1/payment-requests/:id/decline': ['not_found', 'request_not_pending'],
  'POST /api/v1/payment-requests/:id/cancel': ['not_found', 'request_not_pending'],
  'GET /api/v1/payment-requests/:id': ['not_found'],
  'POST /api/v1/admin/transactions/:transaction_id/reverse': [
    'forbidden',
    'step_up_required',
    'already_reversed',
    'insufficient_funds',
    'account_frozen',
    'account_closed',
    'limit_reached',
  ],
  'POST /api/v1/admin/approvals/:approval_id/approve': [
    'forbidden',
    'step_up_required',
    'approval_not_pending',
    'already_reversed',
    'insufficient_funds',
    'account_frozen',
    'account_closed',
    'limit_reached',
  ],
  'GET /api/v1/admin/approvals': ['forbidden'],
  'GET /api/v1/admin/approvals/:approval_id': ['forbidden'],
};

export interface RouteShape {
  method: string;
  url: string;
  bearer: boolean;
  schema: RouteOptions['schema'];
}

/** The error codes one operation can answer, from its shape (auth, body, params, headers) and OUTCOMES. */
export function errorCodesFor(route: RouteShape): ErrorCode[] {
  const schema = (route.schema ?? {}) as { body?: { properties?: object }; params?: object; headers?: { properties?: object } };
  const codes = new Set<ErrorCode>(ANY_ROUTE);
  const add = (list: readonly ErrorCode[]) => list.forEach((c) => codes.add(c));
  if (route.bearer) add(WITH_BEARER);
  if (route.method !== 'GET' && route.method !== 'HEAD') add(WITH_BODY);
  if (schema.body?.properties && 'amount' in schema.body.properties) add(WITH_AMOUNT);
  if (schema.headers?.properties && 'idempotency-key' in schema.headers.properties) add(WITH_IDEMPOTENCY_KEY);
  if (schema.params || (schema.body?.properties && ('account_id' in schema.body.properties || 'from_account_id' in schema.body.properties))) add(WITH_ACCOUNT);
  add(OUTCOMES[`${route.method} ${route.url}`] ?? []);
  return errorCodes.filter((c) => codes.has(c));
}

/** Headers the contract promises with a status. */
const STATUS_HEADERS: Readonly<Record<number, object>> = {
  401: { 'www-authenticate': { type: 'string', description: 'Bearer realm="minibank" (RFC 6750).' } },
  405: { allow: { type: 'string', description: 'The methods this path has.' } },
  429: { 'retry-after': { type: 'integer', description: 'Seconds to wait before trying again.' } },
};

/** OpenAPI responses for those codes: one per status, each an Error whose `code` lists only that status's codes. */
export function errorResponsesFor(codes: readonly ErrorCode[]): Record<string, object> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(errorStatus[code], [...(byStatus.get(errorStatus[code]) ?? []), code]);
  const responses: Record<string, object> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = STATUS_HEADERS[status];
    responses[String(status)] = { description: list.map((c) => `\`${c}\``).join(', '), ...errorSchema(list), ...(headers ? { headers } : {}) };
  }
  return responses;
}
