/**
 * Seals small secrets at rest (TOTP secrets) with AES-256-GCM under a key derived from the server
 * secret by HKDF-SHA256 (RFC 5869), so a copy of the database alone reveals none of them.
 *
 * Sealed form: `<key id>.<iv>.<ciphertext>.<tag>` (base64url parts). The key id is the first 16 hex
 * digits of SHA-256 over the derived key: it names which SECRET sealed the value without revealing
 * anything usable. SECRET_PREVIOUS keys still open values sealed before a rotation (new ones are
 * always sealed under SECRET). `context` (e.g. the user id) is bound as GCM additional data, so a
 * sealed value copied onto another user's row does not open there.
 */
import crypto from 'node:crypto';

export interface SecretBox {
  /** Seals `plaintext` (UTF-8) bound to `context`. */
  seal(plaintext: string, context: string): string;
  /**
   * Opens a sealed value bound to `context`.
   * @throws Error when its key id is unknown (its SECRET is gone) or it was altered.
   */
  open(sealed: string, context: string): string;
}

/** HKDF `info`: a key for this one purpose, never the token signing key itself. */
const PURPOSE = 'minibank secret-box v1 aes-256-gcm';
const IV_BYTES = 12;

interface Key {
  id: string;
  bytes: Buffer;
}

function deriveKey(secret: string): Key {
  const bytes = Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), PURPOSE, 32));
  const id = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  return { id, bytes };
}

/** A SecretBox sealing under `secret` and opening under it or any of `previousSecrets`. */
export function createSecretBox(options: { secret: string; previousSecrets?: readonly string[] }): SecretBox {
  const current = deriveKey(options.secret);
  const keys = new Map<string, Key>([current, ...(options.previousSecrets ?? []).map(deriveKey)].map((k) => [k.id, k]));
  return {
    seal(plaintext, context) {
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', current.bytes, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [current.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [id, iv, body, tag] = sealed.split('.');
      const key = id === undefined ? undefined : keys.get(id);
      if (!key || iv === undefined || body === undefined || tag === undefined) throw new Error('sealed value under an unknown key or malformed');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
