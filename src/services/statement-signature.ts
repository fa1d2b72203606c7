/**
 * Signing and checking statements (issue 16 items 3 and 4; contract "Statements and the ledger
 * chain"): the signature is Ed25519 over the UTF-8 bytes of the RFC 8785 canonical JSON (the
 * `canonicalize` package) of the statement without `signature`, written base64url without padding.
 * Checking needs no database: the statement and a JWK or JWK Set are enough (docs/ledger.md).
 */
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import type { SignedStatement, UnsignedStatement } from '../domain/statement.js';
import type { StatementKeys } from './statement-keys.js';

/** The bytes a statement's signature covers: RFC 8785 canonical JSON of everything but `signature`. */
export function signedBytes(statement: object): Buffer {
  const rest: Record<string, unknown> = { ...(statement as Record<string, unknown>) };
  delete rest.signature;
  const text = canonicalize(rest);
  if (text === undefined) throw new Error('a statement must be a JSON object');
  return Buffer.from(text, 'utf8');
}

/** Signs `unsigned` (everything but key_id and signature) with the current statement key. */
export function sealStatement(keys: StatementKeys, unsigned: Omit<UnsignedStatement, 'key_id'>): SignedStatement {
  const { keyId, signature } = keys.sign((kid) => signedBytes({ ...unsigned, key_id: kid }));
  return { ...unsigned, key_id: keyId, signature };
}

export interface PublicJwk {
  kty?: unknown;
  crv?: unknown;
  x?: unknown;
  kid?: unknown;
}

/**
 * The keys in a JWK, a JWK Set or a list of JWKs given as JSON text. Throws an Error with a reason
 * when the text is none of these.
 */
export function parseKeyText(text: string): PublicJwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('the key is not JSON (expected a JWK or a JWK Set)');
  }
  const keys = Array.isArray(parsed) ? parsed : typeof parsed === 'object' && parsed !== null && 'keys' in parsed ? parsed.keys : [parsed];
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'object' || k === null)) throw new Error('the key is not a JWK or a JWK Set');
  return keys as PublicJwk[];
}

/**
 * Checks `statement`'s signature against `keys`: the one whose `kid` is the statement's `key_id`,
 * an Ed25519 public key. Returns null when it verifies, otherwise a reason for a person.
 */
export function signatureProblem(statement: Record<string, unknown>, keys: readonly PublicJwk[]): string | null {
  const { key_id: keyId, signature } = statement;
  if (typeof keyId !== 'string' || typeof signature !== 'string') return 'the statement has no key_id or signature';
  const jwk = keys.find((k) => k.kid === keyId);
  if (!jwk) return `no key with id ${keyId} among the ${keys.length} key(s) given (kids: ${keys.map((k) => String(k.kid)).join(', ') || 'none'})`;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') return `key ${keyId} is not an Ed25519 public key (kty OKP, crv Ed25519)`;
  if (!/^[A-Za-z0-9_-]+$/.test(signature)) return 'the signature is not base64url without padding';
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  } catch {
    return `key ${keyId} is not a valid Ed25519 public key`;
  }
  let bytes: Buffer;
  try {
    bytes = signedBytes(statement);
  } catch (error) {
    return `the statement cannot be put in canonical form: ${(error as Error).message}`;
  }
  const ok = crypto.verify(null, bytes, publicKey, Buffer.from(signature, 'base64url'));
  return ok
    ? null
    : `the signature does not match the statement's contents for key ${keyId}: the statement was changed after signing, or was signed by another key`;
}
