/**
 * Small helpers shared by the page forms: reading urlencoded fields, turning a DomainError into an
 * error beside its field, and the hidden idempotency key that makes a money form safe to resubmit.
 */
import type { FastifyRequest } from 'fastify';
import { isDomainError } from '../../domain/errors.js';

const FIELD_MAX_CHARS = 1024;

/** One form field as text ('' when missing); a repeated field counts as its first value. */
export function field(request: FastifyRequest, name: string): string {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  // A field sent twice (amount=1&amount=100000) is refused as missing rather than resolved either way:
  // a proxy, a log and this code must never disagree about which value was meant.
  return typeof value === 'string' ? value.slice(0, FIELD_MAX_CHARS) : '';
}

export type FieldErrors = Record<string, string>;

export interface ErrorItem {
  field: string;
  message: string;
}

/** The error summary's entries, in the order the fields appear on the form. */
export function errorItems(errors: FieldErrors, order: string[]): ErrorItem[] {
  const known = order.filter((f) => errors[f] !== undefined).map((f) => ({ field: f, message: errors[f]! }));
  const rest = Object.keys(errors)
    .filter((f) => !order.includes(f))
    .map((f) => ({ field: f, message: errors[f]! }));
  return [...known, ...rest];
}

/** Runs `parse`, recording a DomainError against `name` instead of throwing. */
export function tryField<T>(errors: FieldErrors, name: string, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!isDomainError(error)) throw error;
    errors[name] = error.message;
    return undefined;
  }
}

/** A key for the hidden idempotency field: new for every form rendered. */
export const FORM_KEY_FIELD = 'idempotency_key';
const FORM_KEY = /^[A-Za-z0-9-]{16,64}$/;

export function parseFormKey(raw: string): string | null {
  return FORM_KEY.test(raw) ? raw : null;
}
