/**
 * Exactly-once money movement for clients that retry. The key is claimed, the work done and its
 * outcome stored in one database transaction, so a crash leaves either all three or none. The
 * outcome is a typed value (issue 12 item 2), stored and read back by a codec; the edges (API,
 * pages) encode it, never this module. A retry with the same key and body gets the stored outcome; a different body, or a retry while the first
 * request is still running in this process, is `idempotency_conflict`. Across processes, the
 * database's primary key makes the second claim wait for the first and then replay it.
 */
import crypto from 'node:crypto';
import { DomainError, isDomainError } from '../domain/errors.js';
import { claimKey, findKey, storeResponse } from '../storage/repositories/idempotency-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { savepoint } from '../storage/savepoint.js';
import { TYPED_OUTCOME_STATUS, type StoredOutcome } from './stored-outcome.js';

export const IDEMPOTENCY_KEY_MAX_CHARS = 255;

/**
 * A key as stored, already placed in the namespace of where it came from (issue 11 class 11). Only
 * `apiIdempotencyKey` and `webIdempotencyKey` make one, so no caller can store a bare key.
 */
export type NamespacedKey = string & { readonly __namespaced: unique symbol };

/**
 * Separates a non-API namespace from its key. An API key never contains it: HTTP forbids control
 * characters in a header value (RFC 9110 section 5.5; Node's parser answers 400) and
 * `apiIdempotencyKey` refuses them anyway. So every API key is stored as sent (keys stored before
 * this rule keep replaying) and no API key, whatever its 1 to 255 characters, can equal a web key.
 */
const NAMESPACE_SEPARATOR = '\n';

/** The control characters RFC 9110 does not allow in a field value (HTAB is allowed). */
const NOT_IN_A_HEADER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * The stored form of an API client's `Idempotency-Key` header (1 to 255 characters per the
 * contract, checked by the route schema): the key itself. Throws `invalid_request` (param
 * `Idempotency-Key`) for a control character, which no HTTP header can carry.
 */
export function apiIdempotencyKey(header: string): NamespacedKey {
  if (NOT_IN_A_HEADER.test(header)) {
    throw new DomainError('invalid_request', 'Idempotency-Key cannot contain control characters.', 'Idempotency-Key');
  }
  return header as NamespacedKey;
}

/**
 * The stored form of a web form's hidden key: "web", the separator, then the form key. Cannot equal
 * any API key (those never contain the separator), so a form and an API client never share a key.
 */
export function webIdempotencyKey(formKey: string): NamespacedKey {
  return `${WEB_NAMESPACE}${formKey}` as NamespacedKey;
}

const WEB_NAMESPACE = `web${NAMESPACE_SEPARATOR}`;

/** True for a key `webIdempotencyKey` made (a web form's), false for an API client's. */
export const isWebIdempotencyKey = (key: NamespacedKey): boolean => key.startsWith(WEB_NAMESPACE);

/** How an outcome of type T is kept for a retry (stored-outcome.ts for movements). */
export interface OutcomeCodec<T> {
  /** The outcome of a business refusal the work threw (its writes are undone, the key stays spent). */
  refused(error: DomainError): T;
  store(outcome: T): StoredOutcome;
  /** @throws Error for a stored row in no known format. */
  read(stored: StoredOutcome): T;
}

export interface IdempotentResult<T> {
  outcome: T;
  /** True when the outcome is the stored one of an earlier request with this key. */
  replayed: boolean;
}

/**
 * A stable fingerprint of a request: SHA-256 (hex) of its canonical JSON, object keys sorted, so key
 * order in the JSON does not matter. The text is exactly `JSON.stringify` of the value with sorted
 * keys (hashes stored before keep matching), written in one pass without copying the value: every
 * idempotent request pays for it (issue 17 item 4).
 */
export function requestFingerprint(value: unknown): string {
  return crypto
    .createHash('sha256')
    .update(canonicalJson(value) ?? '')
    .digest('hex');
}

/** JSON.stringify of `value` with every object's keys sorted; undefined where JSON.stringify gives undefined. */
function canonicalJson(value: unknown): string | undefined {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item) ?? 'null').join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  let out = '';
  for (const key of jsonKeyOrder(Object.keys(value))) {
    const text = canonicalJson((value as Record<string, unknown>)[key]);
    if (text !== undefined) out += `${out ? ',' : ''}${JSON.stringify(key)}:${text}`;
  }
  return `{${out}}`;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/**
 * The order JSON.stringify wrote the earlier version's copy in: sorted, except that integer-like
 * keys ("0", "17") come first in numeric order, as JavaScript orders them in any object.
 */
function jsonKeyOrder(keys: string[]): string[] {
  const indexes = keys.filter((key) => ARRAY_INDEX.test(key) && Number(key) < 4294967295);
  if (indexes.length === 0) return keys.sort();
  const rest = keys.filter((key) => !indexes.includes(key));
  return [...indexes.sort((a, b) => Number(a) - Number(b)), ...rest.sort()];
}

/**
 * Runs `work` once per (user, key): the first request claims the key, runs the work in a savepoint
 * and stores its outcome (a business refusal too) in the same transaction; a later one with the
 * same fingerprint gets the stored outcome with `replayed: true`.
 * @throws DomainError idempotency_conflict (param Idempotency-Key) for a key still in flight or
 * used with another request; any non-business error of the work (nothing is stored then).
 */
export async function runIdempotent<T>(
  ctx: AppContext,
  scope: { userId: string; key: NamespacedKey; requestHash: string },
  work: (trx: Trx) => Promise<T>,
  codec: OutcomeCodec<T>,
): Promise<IdempotentResult<T>> {
  const release = claimInFlight(ctx, scope);
  try {
    return await ctx.storage.writeTransaction(async (trx) => {
      const legacyKey = await legacyWebKeyInUse(trx, scope);
      if (legacyKey !== null) return { outcome: codec.read(await replay(trx, { ...scope, key: legacyKey })), replayed: true };
      const claimed = await claimKey(trx, { ...scope, nowMs: nowMsBig(ctx) });
      if (!claimed) return { outcome: codec.read(await replay(trx, scope)), replayed: true };
      let outcome: T;
      try {
        outcome = await movementSavepoint.run(trx, () => work(trx));
      } catch (error) {
        if (!isDomainError(error)) throw error;
        outcome = codec.refused(error);
      }
      const stored = codec.store(outcome);
      await storeResponse(trx, scope.userId, scope.key, stored.status, stored.body);
      return { outcome, replayed: false };
    });
  } finally {
    release();
  }
}

/**
 * Marks (user, key) as running in this process until the returned function is called. The money
 * movement worker (issue 17 item 3) checks here, on the main thread, before sending a command.
 * @throws DomainError idempotency_conflict (param Idempotency-Key) while the key is already running.
 */
export function claimInFlight(ctx: Pick<AppContext, 'inFlightKeys'>, scope: { userId: string; key: NamespacedKey }): () => void {
  const inFlight = `${scope.userId}\n${scope.key}`;
  if (ctx.inFlightKeys.has(inFlight)) throw conflict('A request with this Idempotency-Key is still in progress.');
  ctx.inFlightKeys.add(inFlight);
  return () => ctx.inFlightKeys.delete(inFlight);
}

/**
 * Before web keys had their own namespace, the previous version stored a form's key as
 * "web:<form key>" (with the API's HTTP answer, never TYPED_OUTCOME_STATUS). Such a row, kept up to
 * IDEMPOTENCY_KEY_TTL_HOURS, is the same form sent before an upgrade: a resubmission after it must
 * replay that answer, not move the money again. Rows written since (typed outcomes) are never read
 * this way, so a new API key "web:K" and a form's key K still never meet (issue 11 class 11).
 * Returns the legacy key to replay, or null. Can go once no deployment upgrades from before this rule.
 */
async function legacyWebKeyInUse(trx: Trx, scope: { userId: string; key: NamespacedKey }): Promise<string | null> {
  const prefix = `web${NAMESPACE_SEPARATOR}`;
  if (!scope.key.startsWith(prefix)) return null;
  const legacyKey = `web:${scope.key.slice(prefix.length)}`;
  const row = await findKey(trx, scope.userId, legacyKey);
  return row && row.responseStatus !== null && row.responseStatus !== TYPED_OUTCOME_STATUS ? legacyKey : null;
}

/** The stored outcome of an earlier request with this key, if it was the same request and has finished. */
async function replay(trx: Trx, scope: { userId: string; key: string; requestHash: string }): Promise<StoredOutcome> {
  const stored = await findKey(trx, scope.userId, scope.key);
  if (!stored || stored.responseStatus === null || stored.responseBody === null) {
    throw conflict('A request with this Idempotency-Key is still in progress.');
  }
  if (stored.requestHash !== scope.requestHash) {
    throw conflict('This Idempotency-Key was already used with a different request.');
  }
  return { status: stored.responseStatus, body: stored.responseBody };
}

/** The movement's own writes, undone on a refusal while the key's claim and stored answer stay. */
const movementSavepoint = savepoint('movement');

const conflict = (message: string) => new DomainError('idempotency_conflict', message, 'Idempotency-Key');
