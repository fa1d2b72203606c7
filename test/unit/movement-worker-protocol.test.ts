/**
 * How an error crosses from the movement worker to the main thread (issue 17 item 3): a
 * DomainError comes back as the same DomainError (same answer as in-process), a storage fault
 * keeps its code (still a 503), anything else is a plain Error (a 500).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { decodeError, encodeError, workerStoppedError } from '../../src/app/movement-worker-protocol.js';
import { LockTimeoutError } from '../../src/storage/lock-wait.js';
import { isStorageUnavailable } from '../../src/storage/storage-faults.js';

const roundTrip = (error: unknown) => decodeError(structuredClone(encodeError(error)));

describe('movement worker protocol', () => {
  it('re-creates a DomainError with its code, message and param', () => {
    const back = roundTrip(new DomainError('idempotency_conflict', 'Already used.', 'Idempotency-Key'));
    assert.ok(back instanceof DomainError);
    assert.equal(back.code, 'idempotency_conflict');
    assert.equal(back.message, 'Already used.');
    assert.equal(back.param, 'Idempotency-Key');
    assert.equal((roundTrip(new DomainError('insufficient_funds', 'No.')) as DomainError).param, undefined);
  });

  it('keeps a storage fault a storage fault (503), whatever its class was', () => {
    const full = roundTrip(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    assert.ok(!(full instanceof DomainError));
    assert.ok(isStorageUnavailable(full));
    assert.ok(isStorageUnavailable(roundTrip(new LockTimeoutError(5000))));
  });

  it('turns anything else into a plain Error (a 500), naming where it came from', () => {
    const bug = roundTrip(new TypeError('x is undefined'));
    assert.ok(!(bug instanceof DomainError));
    assert.ok(!isStorageUnavailable(bug));
    assert.match(bug.message, /movement worker: x is undefined/);
    assert.match(roundTrip('a string').message, /a string/);
  });

  it('answers the commands of a stopped worker with 503 unavailable', () => {
    assert.equal(workerStoppedError().code, 'unavailable');
  });
});
