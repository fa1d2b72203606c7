/**
 * The idempotency fingerprint written in one pass (issue 17 item 4) hashes exactly the text the
 * earlier version hashed (copy with sorted keys, then JSON.stringify), so keys stored before still
 * replay and a different body is still a conflict.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { requestFingerprint } from '../../src/app/idempotency.js';

/** The earlier implementation, kept here as the reference. */
function earlierFingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

describe('request fingerprint', () => {
  it('equals the earlier fingerprint for any JSON request, and for undefined members', () => {
    const member = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.dictionary(fc.string(), member), fc.array(member), (method, url, body, list) => {
        assert.equal(requestFingerprint([method, url, body, list]), earlierFingerprint([method, url, body, list]));
      }),
      { numRuns: 500 },
    );
    assert.equal(requestFingerprint({ ['__proto__']: 1, a: undefined }), earlierFingerprint(JSON.parse('{"__proto__":1}')));
    // Integer-like keys come first, in numeric order, as in any JavaScript object.
    const mixed = JSON.parse('{"b":1,"10":2,"":3,"9":4,"4294967295":5,"01":6}');
    assert.equal(requestFingerprint(mixed), earlierFingerprint(mixed));
  });

  it('ignores key order and tells different bodies apart', () => {
    assert.equal(requestFingerprint(['POST', '/t', { a: 1, b: 'x' }]), requestFingerprint(['POST', '/t', { b: 'x', a: 1 }]));
    assert.notEqual(requestFingerprint(['POST', '/t', { a: 1 }]), requestFingerprint(['POST', '/t', { a: 2 }]));
    assert.notEqual(requestFingerprint(['POST', '/t', { a: '1' }]), requestFingerprint(['POST', '/t', { a: 1 }]));
  });
});
