/**
 * The messages between the main thread and the money movement worker (issue 17 item 3), and how an
 * error crosses: a DomainError is re-created with the same code, message and param (its answer is
 * the same as in-process); any other error becomes a plain Error keeping its message and `code`, so
 * a storage fault (SQLITE_FULL, SQLITE_BUSY_TIMEOUT...) is still a 503 and anything else a 500.
 */
import { DomainError, errorCodes, type ErrorCode } from '../domain/errors.js';
import type { IdempotentResult } from './idempotency.js';
import type { MovementCommand } from './movement-committer.js';
import type { MovementOutcome } from './movement-outcome.js';
import type { QueryObservation } from '../storage/query-observers.js';

/** Test-only faults of the worker; never reachable from HTTP (see the worker client). */
export type WorkerFault = 'exit-after-debit';

/** Commands go over together, one message per turn of the main thread's event loop. */
export type ToWorker = { type: 'commit'; commits: { id: number; command: MovementCommand }[] } | { type: 'fault'; fault: WorkerFault } | { type: 'close' };

export type Answer = { id: number; ok: true; result: IdempotentResult<MovementOutcome> } | { id: number; ok: false; error: EncodedError };

/**
 * Answers go back together, one message per turn of the worker's event loop (a committed batch),
 * with the worker's statements since the last message, for the main thread's metrics.
 */
export type FromWorker = { type: 'answers'; answers: Answer[]; queries: QueryObservation[] } | { type: 'closed' };

export type EncodedError = { domain: { code: ErrorCode; message: string; param?: string } } | { message: string; code?: string };

/** An error as it crosses to the main thread. */
export function encodeError(error: unknown): EncodedError {
  if (error instanceof DomainError) return { domain: { code: error.code, message: error.message, ...(error.param ? { param: error.param } : {}) } };
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? { message, code } : { message };
}

/** The error to throw on the main thread for an encoded one. */
export function decodeError(encoded: EncodedError): Error {
  if ('domain' in encoded && errorCodes.includes(encoded.domain.code)) {
    return new DomainError(encoded.domain.code, encoded.domain.message, encoded.domain.param);
  }
  const plain = 'domain' in encoded ? { message: encoded.domain.message } : encoded;
  const error = new Error(`movement worker: ${plain.message}`);
  return plain.code === undefined ? error : Object.assign(error, { code: plain.code });
}

/** The answer to every command in flight when the worker stopped: 503, nothing acknowledged. */
export function workerStoppedError(): DomainError {
  return new DomainError('unavailable', 'The server could not finish this request. Try again (with the same Idempotency-Key, if you sent one).');
}
