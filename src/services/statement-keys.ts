/**
 * The bank's statement key (issue 16 item 3): an Ed25519 key pair that signs monthly statements.
 * Kept in one JSON file, mode 0600 (like DATA_DIR/secret, src/secret-file.ts): the current private
 * key (PKCS #8 PEM) and the public JWKs of every earlier key, so a statement signed before a
 * rotation still verifies. Generated on first use. Several instances (PostgreSQL) must share the
 * same file: STATEMENT_KEY_FILE points them at it (docs/operations.md).
 *
 * File: {"version": 1, "current": {"kid", "private_key"}, "previous": [JWK, ...]}.
 * Key ids are RFC 7638 JWK thumbprints (SHA-256, base64url) of the public key.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A public Ed25519 key as a JWK (RFC 8037). */
export interface StatementJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

interface KeyFile {
  version: 1;
  current: { kid: string; private_key: string };
  previous: StatementJwk[];
}

export class StatementKeyFileError extends Error {
  override name = 'StatementKeyFileError';
}

/** RFC 7638 thumbprint of an Ed25519 public key (`x`, base64url): the members crv, kty, x in that order. */
export function jwkThumbprint(x: string): string {
  return crypto.createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest('base64url');
}

/** The public JWK of a private key (PKCS #8 PEM). */
export function publicJwkOf(privatePem: string): StatementJwk {
  const jwk = crypto.createPublicKey(privatePem).export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new StatementKeyFileError('the statement key is not an Ed25519 key');
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwkThumbprint(jwk.x), alg: 'EdDSA', use: 'sig' };
}

function newCurrent(): KeyFile['current'] {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return { kid: publicJwkOf(pem).kid, private_key: pem };
}

/** Writes `content` to `file` (0600) through a temporary file: readers see the old file or the new one, never half. */
function writeAtomically(file: string, content: string, replace: boolean): boolean {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    if (replace) {
      fs.renameSync(temp, file);
      return true;
    }
    // link fails if the file exists: two instances starting at once keep the first key, not both.
    fs.linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function readKeyFile(file: string): KeyFile {
  if ((fs.statSync(file).mode & 0o077) !== 0) {
    throw new StatementKeyFileError(`${file} is readable by other users: refusing to use it as the statement key. Run chmod 600 ${file}.`);
  }
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  if (parsed.version !== 1 || typeof parsed.current?.private_key !== 'string' || !Array.isArray(parsed.previous)) {
    throw new StatementKeyFileError(`${file} is not a minibank statement key file`);
  }
  return parsed;
}

/** Creates the key file with a fresh key unless it exists (folder 0700, file 0600). */
export function ensureStatementKeyFile(file: string): void {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const content: KeyFile = { version: 1, current: newCurrent(), previous: [] };
  writeAtomically(file, JSON.stringify(content, null, 2) + '\n', false);
}

/**
 * Rotation: a new current key; the old one's public JWK joins `previous` (its private half is
 * dropped, so it can never sign again). Returns the new and the retired key ids. Running servers
 * pick up the new key on their next statement (the file is re-read when it changes).
 */
export function rotateStatementKey(file: string): { keyId: string; retired: string } {
  ensureStatementKeyFile(file);
  const old = readKeyFile(file);
  const retired = publicJwkOf(old.current.private_key);
  const next: KeyFile = { version: 1, current: newCurrent(), previous: [retired, ...old.previous.filter((k) => k.kid !== retired.kid)] };
  writeAtomically(file, JSON.stringify(next, null, 2) + '\n', true);
  return { keyId: next.current.kid, retired: retired.kid };
}

export interface StatementKeys {
  /** The id of the key that signs now. */
  currentKeyId(): string;
  /**
   * Ed25519 signature, base64url unpadded, with the current key of the bytes `build` makes for
   * that key's id (the id is inside what is signed, so both come from one read of the key).
   */
  sign(build: (keyId: string) => Uint8Array): { keyId: string; signature: string };
  /** Every public key, current first: the JWK Set published at /.well-known/minibank/statement-key. */
  jwks(): { keys: StatementJwk[] };
}

/** The key store over `file`: created on first use, re-read whenever the file changes (rotation). */
export function statementKeyStore(file: string): StatementKeys {
  let loaded: { stamp: string; key: crypto.KeyObject; kid: string; jwks: StatementJwk[] } | null = null;
  const load = () => {
    ensureStatementKeyFile(file);
    const stat = fs.statSync(file);
    const stamp = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
    if (loaded?.stamp !== stamp) {
      const content = readKeyFile(file);
      const current = publicJwkOf(content.current.private_key);
      loaded = { stamp, key: crypto.createPrivateKey(content.current.private_key), kid: current.kid, jwks: [current, ...content.previous] };
    }
    return loaded;
  };
  return {
    currentKeyId: () => load().kid,
    sign(build) {
      const { key, kid } = load();
      return { keyId: kid, signature: crypto.sign(null, build(kid), key).toString('base64url') };
    },
    jwks: () => ({ keys: load().jwks }),
  };
}
