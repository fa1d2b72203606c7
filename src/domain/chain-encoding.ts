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
/** Range bounds, computed once (they are checked for every integer written). */
const U64_END = 2n ** 64n;
const I64_MIN = -(2n ** 63n);
const I64_END = 2n ** 63n;
const MAGIC_BYTES = utf8.encode(MAGIC);
/** A code unit from which UTF-16 order and UTF-8 byte order can differ (surrogates and above). */
const NOT_BMP_LOW = /[\uD800-\uFFFF]/;

/** Byte order of two strings' UTF-8 encodings (not JavaScript's UTF-16 order). */
export function compareUtf8(a: string, b: string): number {
  // Below U+D800 (every id and column name), UTF-16 code units order as UTF-8 bytes do.
  if (!NOT_BMP_LOW.test(a) && !NOT_BMP_LOW.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

const cmpBig = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Writes into one growing buffer (the seal writes one link per transaction: a part per field, as
 * before, cost more than the hashing; docs/performance.md "Ledger chain"). The bytes are the same.
 */
class Writer {
  private buf = new Uint8Array(512);
  private view = new DataView(this.buf.buffer);
  private at = 0;
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  u8(n: number): void {
    this.room(1);
    this.buf[this.at++] = n;
  }
  u32(n: number): void {
    this.room(4);
    this.view.setUint32(this.at, n);
    this.at += 4;
  }
  u64(n: bigint): void {
    if (n < 0n || n >= U64_END) throw new RangeError(`${n} does not fit an unsigned 64-bit field`);
    this.room(8);
    this.view.setBigUint64(this.at, n);
    this.at += 8;
  }
  i64(n: bigint): void {
    if (n < I64_MIN || n >= I64_END) throw new RangeError(`${n} does not fit a signed 64-bit field`);
    this.room(8);
    this.view.setBigInt64(this.at, n);
    this.at += 8;
  }
  str(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; the length goes in front once known.
    this.room(4 + 3 * s.length);
    const start = this.at + 4;
    // ASCII (ids, types, most memos) is copied as is: cheaper than a call into the encoder. From the
    // first other code unit on, the encoder writes the rest (that unit cannot be a pair's second half).
    let ascii = 0;
    for (; ascii < s.length; ascii++) {
      const code = s.charCodeAt(ascii);
      if (code >= 0x80) break;
      this.buf[start + ascii] = code;
    }
    const written = ascii === s.length ? ascii : ascii + utf8.encodeInto(s.slice(ascii), this.buf.subarray(start + ascii)).written;
    this.view.setUint32(this.at, written);
    this.at = start + written;
  }
  opt(s: string | null): void {
    if (s === null) return this.u8(0);
    this.u8(1);
    this.str(s);
  }
  /** Starts a new link in the same buffer (the encoder reuses one writer: no allocation per link). */
  reset(): void {
    this.at = 0;
  }
  /** The bytes written since reset(), as a view of the buffer: valid until the next link is written. */
  written(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

/** The one writer links are encoded in; encoding is synchronous, so it is never shared by two at once. */
const scratch = new Writer();

/** Value of each lower-case hex digit by character code; -1 for every other code below 128. */
const NIBBLE = Int8Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  return /[0-9a-f]/.test(c) ? parseInt(c, 16) : -1;
});
const nibble = (hex: string, i: number): number => {
  const code = hex.charCodeAt(i);
  return code < 128 ? NIBBLE[code]! : -1;
};

/** 64 lower-case hex digits as 32 bytes; throws on anything else (a stored hash that is not one). */
export function hashBytes(hex: string): Uint8Array {
  // A table, not a regular expression and Buffer: this runs once per link sealed or verified.
  const out = new Uint8Array(32);
  let bad = hex.length !== 64;
  for (let i = 0; i < 32 && !bad; i++) {
    const high = nibble(hex, 2 * i);
    const low = nibble(hex, 2 * i + 1);
    bad = high < 0 || low < 0;
    out[i] = (high << 4) | low;
  }
  if (bad) throw new Error(`not a SHA-256 hash in lower-case hex: ${hex.slice(0, 70)}`);
  return out;
}

/**
 * The bytes hashed for `txn` at `position` (1, 2, 3...) after `previousHash` (hex), as a copy the
 * caller may keep. Throws when an integer does not fit its field (a damaged row), so verify reports
 * it instead of hashing garbage.
 */
export function encodeChainLink(txn: ChainedTransaction, position: bigint, previousHash: string): Uint8Array {
  return withChainLink(txn, position, previousHash, (bytes) => bytes.slice());
}

/**
 * Encodes the link as `encodeChainLink` does and hands `use` a view of the bytes, valid only during
 * the call: the sealer hashes each link at once, so no copy is made (docs/performance.md "Ledger chain").
 */
export function withChainLink<T>(txn: ChainedTransaction, position: bigint, previousHash: string, use: (bytes: Uint8Array) => T): T {
  const w = scratch;
  w.reset();
  w.bytes(MAGIC_BYTES);
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
  return use(w.written());
}
