/**
 * The canonical byte encoding of one ledger transaction in the hash chain (issue 16 item 1). The
 * chain hash of position n is SHA-256(encodeChainLink(txn at n, hash of n-1)); position 1 follows
 * the all-zero GENESIS_HASH. docs/ledger.md "The chain" documents every byte so a third party can
 * write a checker; change nothing here without a new version number.
 *
 * Version 1, all integers big-endian:
 *   "MBCHAIN" (7 ASCII bytes) | version u8 = 1 | previous hash (32 bytes) | position u64
 *   | str id | str type | opt memo | i64 created_at (epoch ms)
 *   | opt actor_user_id | opt actor_token_id | opt actor_session_id
 *   | u32 entry count | per entry, sorted (account_id bytes, amount, balance_after):
 *       str account_id | i64 amount (signed minor units) | i64 balance_after
 *   | u32 extension count | per extension, sorted by name bytes: str name | str value
 * where str = u32 byte length + UTF-8 bytes, opt = 0x00 (null) or 0x01 + str, i64 = two's complement.
 *
 * Extensions are the place for fields added after version 1 (a reversal's `reversal_of`, a capture's
 * `hold_id`...): named by their column, left out when null, so the hash of every transaction that
 * lacks them stays what it was.
 */

export const CHAIN_ENCODING_VERSION = 1;
/** The previous hash of position 1, and the published head before anything is sealed (seq 0). */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainEntry {
  accountId: string;
  /** Signed minor units: positive credits the account. */
  amountMinor: bigint;
  balanceAfterMinor: bigint;
}

/** One ledger transaction as the chain sees it. */
export interface ChainedTransaction {
  id: string;
  type: string;
  memo: string | null;
  createdAtMs: bigint;
  actorUserId: string | null;
  actorTokenId: string | null;
  actorSessionId: string | null;
  entries: readonly ChainEntry[];
  /** Fields added after version 1, by column name; a null one is left out. */
  extensions: Readonly<Record<string, string>>;
}

const MAGIC = 'MBCHAIN';
const utf8 = new TextEncoder();

/** Byte order of two strings' UTF-8 encodings (not JavaScript's UTF-16 order). */
export function compareUtf8(a: string, b: string): number {
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
export function hashBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a SHA-256 hash in lower-case hex: ${hex.slice(0, 70)}`);
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
}

/**
 * The bytes hashed for `txn` at `position` (1, 2, 3...) after `previousHash` (hex). Throws when an
 * integer does not fit its field (a damaged row), so verify reports it instead of hashing garbage.
 */
export function encodeChainLink(txn: ChainedTransaction, position: bigint, previousHash: string): Uint8Array {
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
