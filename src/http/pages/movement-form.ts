/**
 * The steps every money form shares: parse the typed amount exactly, check the memo and the hidden
 * idempotency key, then hand the movement to postMovement (the same use case the API uses) with a
 * fingerprint of the request, so a reload or double submit replays the first outcome instead of
 * moving money again.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { requestFingerprint, webIdempotencyKey } from '../../app/idempotency.js';
import type { ActorCredential, MovementRequest } from '../../app/move-money.js';
import { refusalAsError, type MovedOutcome } from '../../app/movement-outcome.js';
import { postMovement } from '../../app/post-movement.js';
import { DomainError, isDomainError } from '../../domain/errors.js';
import { parseMemo } from '../../domain/memo.js';
import { parseDecimalAmount } from '../../domain/money.js';
import { field, FORM_KEY_FIELD, parseFormKey, tryField, type FieldErrors } from './forms.js';

/** What a money form does next: redirect with a success note, or show the refusal beside its field. */
export type FormMovementResult = { ok: true; moved: MovedOutcome } | { ok: false; error: DomainError };

export interface MovementFields {
  amount: string;
  memo: string;
  formKey: string;
}

export interface ParsedMovement {
  amountMinor: bigint;
  memo: string | null;
  formKey: string;
}

export function readMovementFields(request: FastifyRequest): MovementFields {
  return { amount: field(request, 'amount'), memo: field(request, 'memo'), formKey: field(request, FORM_KEY_FIELD) };
}

/** Parses the common fields; problems are recorded in `errors` beside their field. */
export function parseMovementFields(ctx: AppContext, fields: MovementFields, currency: string, errors: FieldErrors): ParsedMovement | undefined {
  const amountMinor = tryField(errors, 'amount', () => {
    const minor = parseDecimalAmount(fields.amount, currency);
    if (minor > BigInt(ctx.config.maxAmountMinor)) {
      throw new DomainError('invalid_amount', 'That amount is above the limit for one operation.', 'amount');
    }
    return minor;
  });
  const memo = tryField(errors, 'memo', () => parseMemo(fields.memo));
  const formKey = parseFormKey(fields.formKey);
  if (!formKey) errors.form = 'This form has expired. Check the details and submit it again.';
  if (amountMinor === undefined || memo === undefined || !formKey) return undefined;
  return { amountMinor, memo, formKey };
}

/**
 * Runs the movement; a business refusal (and an in-flight duplicate) comes back as a value. The
 * typed outcome (issue 12 item 2) is read as it is, a first answer or a replay alike.
 */
export async function runMovement(
  ctx: AppContext,
  userId: string,
  page: string,
  formKey: string,
  movement: MovementRequest,
  via: ActorCredential = {},
): Promise<FormMovementResult> {
  const fingerprint = requestFingerprint(['POST', page, { ...movement, amountMinor: movement.amountMinor.toString() }]);
  try {
    const { outcome } = await postMovement(ctx, userId, movement, { key: webIdempotencyKey(formKey), requestHash: fingerprint }, via);
    return outcome.kind === 'moved' ? { ok: true, moved: outcome } : { ok: false, error: refusalAsError(outcome) };
  } catch (error) {
    if (isDomainError(error) && error.code === 'idempotency_conflict') return { ok: false, error };
    throw error;
  }
}

/** Where a refusal is shown: beside its field, or at the top of the form. */
export function refusalField(error: DomainError): string {
  if (error.code === 'idempotency_conflict') return 'form';
  if (error.param === 'amount' || error.code === 'insufficient_funds') return 'amount';
  if (error.param === 'to' || error.code === 'same_account' || error.code === 'currency_mismatch') return 'to';
  if (error.param === 'memo') return 'memo';
  return 'form';
}

export const refusalMessage = (error: DomainError): string =>
  error.code === 'idempotency_conflict'
    ? 'This form was already submitted (or is still being sent). Check your transactions before trying again.'
    : error.message;
