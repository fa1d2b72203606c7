/**
 * The chain encoding (issue 16 item 1; docs/ledger.md "The chain") is a promise to third-party
 * checkers: the faster writer must produce exactly the bytes of version 1 as first written
 * (test/helpers/chain-encoding-reference.ts) for any transaction, including non-ASCII memos and
 * ids whose UTF-8 order differs from JavaScript's string order, and must still refuse integers that
 * do not fit their field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareUtf8, encodeChainLink, GENESIS_HASH, hashBytes, type ChainedTransaction } from '../../src/domain/chain-encoding.js';
import { referenceEncodeChainLink } from '../helpers/chain-encoding-reference.js';

const I64 = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
// Full Unicode (astral characters, U+E000..U+FFFF) and plain ids alike.
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.uuid());
const nullable = fc.option(text, { nil: null });

const transaction: fc.Arbitrary<ChainedTransaction> = fc.record({
  id: fc.uuid(),
  type: fc.constantFrom('deposit', 'withdrawal', 'transfer'),
  memo: nullable,
  createdAtMs: I64,
  actorUserId: nullable,
  actorTokenId: nullable,
  actorSessionId: nullable,
  entries: fc.array(fc.record({ accountId: text, amountMinor: I64, balanceAfterMinor: I64 }), { maxLength: 6 }),
  extensions: fc.dictionary(text, text, { maxKeys: 3 }),
});
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

describe('the chain encoding, version 1', () => {
  it('writes exactly the bytes of the reference encoder for any transaction, position and previous hash', () => {
    fc.assert(
      fc.property(transaction, fc.bigInt(1n, 2n ** 64n - 1n), hash, (txn, position, previous) => {
        assert.deepEqual(Buffer.from(encodeChainLink(txn, position, previous)), Buffer.from(referenceEncodeChainLink(txn, position, previous)));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders strings by their UTF-8 bytes, also where JavaScript order differs', () => {
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    fc.assert(
      fc.property(text, text, (a, b) => {
        assert.equal(Math.sign(compareUtf8(a, b)), Math.sign(Buffer.compare(bytes(a), bytes(b))));
      }),
      { numRuns: 5000 },
    );
    // U+FF61 sorts after U+1F600 in UTF-16 code units (0xFF61 > 0xD83D) but before it in UTF-8 bytes (EF < F0).
    assert.ok('\u{FF61}' > '\u{1F600}');
    assert.ok(compareUtf8('\u{FF61}', '\u{1F600}') < 0);
  });

  it('refuses an integer outside its field and a previous hash that is not 64 lower-case hex digits', () => {
    const base = {
      id: 'x',
      type: 'deposit',
      memo: null,
      createdAtMs: 0n,
      actorUserId: null,
      actorTokenId: null,
      actorSessionId: null,
      entries: [],
      extensions: {},
    };
    assert.throws(() => encodeChainLink({ ...base, createdAtMs: 2n ** 63n }, 1n, GENESIS_HASH), RangeError);
    assert.throws(
      () => encodeChainLink({ ...base, entries: [{ accountId: 'a', amountMinor: -(2n ** 63n) - 1n, balanceAfterMinor: 0n }] }, 1n, GENESIS_HASH),
      RangeError,
    );
    assert.throws(() => encodeChainLink(base, 2n ** 64n, GENESIS_HASH), RangeError);
    assert.throws(() => encodeChainLink(base, -1n, GENESIS_HASH), RangeError);
    assert.throws(() => hashBytes('A'.repeat(64)), /not a SHA-256 hash/);
    assert.deepEqual(Buffer.from(hashBytes('0f'.repeat(32))), Buffer.alloc(32, 0x0f));
    for (const notAHash of ['g'.repeat(64), '0'.repeat(63), '0'.repeat(65), '0'.repeat(62) + '0\u0130', 'é'.repeat(64), '']) {
      assert.throws(() => hashBytes(notAHash), /not a SHA-256 hash/);
    }
  });

  it('reads any lower-case hex hash back to the bytes it names', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        assert.deepEqual(Buffer.from(hashBytes(Buffer.from(bytes).toString('hex'))), Buffer.from(bytes));
      }),
    );
  });
});
