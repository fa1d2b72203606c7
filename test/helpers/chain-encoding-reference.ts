/**
 * The chain encoding version 1 as first written (src/domain/chain-encoding.ts at b168174..6ed57bc):
 * one small array per field, joined at the end, every string through TextEncoder.encode. Kept as
 * the reference the faster encoder must match byte for byte (test/unit/chain-encoding.test.ts).
 * Not a test file.
 */
import { CHAIN_ENCODING_VERSION, type ChainedTransaction } from '../../src/domain/chain-encoding.js';

const MAGIC = 'MBCHAIN';
const utf8 = new TextEncoder();

/** Byte order of two strings' UTF-8 encodings (not JavaScript's UTF-16 order). */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

class Writer {
  private readonly parts: Uint8Array[] = [];
  bytes(b: Uint8Array): void {
    this.parts.push(b);
  }
  u8(n: number): void {
    this.parts.push(Uint8Array.of(n));
  }
  u32(n: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    this.parts.push(b);
  }
  u64(n: bigint): void {
    if (n < 0n || n >= 2n ** 64n) throw new RangeError(`${n} does not fit an unsigned 64-bit field`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, n);
    this.parts.push(b);
  }
  i64(n: bigint): void {
    if (n < -(2n ** 63n) || n >= 2n ** 63n) throw new RangeError(`${n} does not fit a signed 64-bit field`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, n);
    this.parts.push(b);
  }
  str(s: string): void {
    const b = utf8.encode(s);
    this.u32(b.length);
    this.parts.push(b);
  }
  opt(s: string | null): void {
    if (s === null) return this.u8(0);
    this.u8(1);
    this.str(s);
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** 64 lower-case hex digits as 32 bytes; throws on anything else (a stored hash that is not one). */
function hashBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a SHA-256 hash in lower-case hex: ${hex.slice(0, 70)}`);
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/**
 * The bytes hashed for `txn` at `position` (1, 2, 3...) after `previousHash` (hex). Throws when an
 * integer does not fit its field (a damaged row), so verify reports it instead of hashing garbage.
 */
export function referenceEncodeChainLink(txn: ChainedTransaction, position: bigint, previousHash: string): Uint8Array {
  const w = new Writer();
  w.bytes(utf8.encode(MAGIC));
  w.u8(CHAIN_ENCODING_VERSION);
  w.bytes(hashBytes(previousHash));
  w.u64(position);
  w.str(txn.id);
  w.str(txn.type);
  w.opt(txn.memo);
  w.i64(txn.createdAtMs);
  w.opt(txn.actorUserId);
  w.opt(txn.actorTokenId);
  w.opt(txn.actorSessionId);
  const entries = [...txn.entries].sort(
    (a, b) => compareUtf8(a.accountId, b.accountId) || cmpBig(a.amountMinor, b.amountMinor) || cmpBig(a.balanceAfterMinor, b.balanceAfterMinor),
  );
  w.u32(entries.length);
  for (const e of entries) {
    w.str(e.accountId);
    w.i64(e.amountMinor);
    w.i64(e.balanceAfterMinor);
  }
  const extensions = Object.entries(txn.extensions).sort(([a], [b]) => compareUtf8(a, b));
  w.u32(extensions.length);
  for (const [name, value] of extensions) {
    w.str(name);
    w.str(value);
  }
  return w.done();
}
