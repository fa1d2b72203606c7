/**
 * Exactly-once money movement for clients that retry. The key is claimed, the work done and the
 * response stored in one database transaction, so a crash leaves either all three or none. A retry
 * with the same key and body gets the stored response; a different body, or a retry while the first
 * request is still running in this process, is `idempotency_conflict`. Across processes, the
 * database's primary key makes the second claim wait for the first and then replay it.
 */
import crypto from 'node:crypto';
import { DomainError, isDomainError } from '../domain/errors.js';
import { claimKey, findKey, storeResponse } from '../storage/repositories/idempotency-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { savepoint } from '../storage/savepoint.js';

export const IDEMPOTENCY_KEY_MAX_CHARS = 255;

export interface EncodedResponse {
  status: number;
  body: string;
}

export interface IdempotentResult extends EncodedResponse {
  replayed: boolean;
}

export type Encoder<T> = (outcome: { ok: T } | { error: DomainError }) => EncodedResponse;

/** A stable fingerprint of a request: object keys sorted, so key order in the JSON does not matter. */
export function requestFingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return crypto.createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}

export async function runIdempotent<T>(
  ctx: AppContext,
  scope: { userId: string; key: string; requestHash: string },
  work: (trx: Trx) => Promise<T>,
  encode: Encoder<T>,
): Promise<IdempotentResult> {
  const inFlight = `${scope.userId}\n${scope.key}`;
  if (ctx.inFlightKeys.has(inFlight)) throw conflict('A request with this Idempotency-Key is still in progress.');
  ctx.inFlightKeys.add(inFlight);
  try {
    return await ctx.storage.writeTransaction(async (trx) => {
      const claimed = await claimKey(trx, { ...scope, nowMs: nowMsBig(ctx) });
      if (!claimed) return replay(trx, scope);
      let response: EncodedResponse;
      try {
        response = encode({ ok: await movementSavepoint.run(trx, () => work(trx)) });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        response = encode({ error });
      }
      await storeResponse(trx, scope.userId, scope.key, response.status, response.body);
      return { ...response, replayed: false };
    });
  } finally {
    ctx.inFlightKeys.delete(inFlight);
  }
}

async function replay(trx: Trx, scope: { userId: string; key: string; requestHash: string }): Promise<IdempotentResult> {
  const stored = await findKey(trx, scope.userId, scope.key);
  if (!stored || stored.responseStatus === null || stored.responseBody === null) {
    throw conflict('A request with this Idempotency-Key is still in progress.');
  }
  if (stored.requestHash !== scope.requestHash) {
    throw conflict('This Idempotency-Key was already used with a different request.');
  }
  return { status: stored.responseStatus, body: stored.responseBody, replayed: true };
}

/** The movement's own writes, undone on a refusal while the key's claim and stored answer stay. */
const movementSavepoint = savepoint('movement');

const conflict = (message: string) => new DomainError('idempotency_conflict', message, 'Idempotency-Key');
