/**
 * The signing secret: SECRET when configured; otherwise 256 random bits generated on first start and
 * kept in DATA_DIR/secret with mode 0600, so a fresh install is secure with nothing to set up and
 * no secret ever lives in the source.
 *
 * Issue 11 class 14: the data folder is made 0700, and a secret file that group or others can read
 * is refused (LooseSecretFileError), as OpenSSH refuses a loose private key: changing its mode now
 * would not undo that someone may have read it, so the operator must decide (chmod 600, or delete
 * it to generate a new one, which signs everyone out).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { ensurePrivateDir, isShared } from './private-files.js';

export class LooseSecretFileError extends Error {
  override name = 'LooseSecretFileError';
}

export function resolveSecret(config: Pick<Config, 'secret' | 'dataDir'>): string {
  if (config.secret) return config.secret;
  const file = path.resolve(config.dataDir, 'secret');
  ensurePrivateDir(path.dirname(file));
  try {
    // 'wx' fails if the file exists, so two processes starting at once cannot overwrite each other.
    fs.writeFileSync(file, crypto.randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (isShared(file)) {
    const mode = (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');
    throw new LooseSecretFileError(
      `${file} is readable by other users (mode ${mode}): refusing to use it as the signing secret. Run chmod 600 ${file}; if others could have read it, delete it instead to generate a new one (this signs everyone out).`,
    );
  }
  const secret = fs.readFileSync(file, 'utf8').trim();
  if (Buffer.byteLength(secret) < 32) throw new Error(`${file} holds a secret shorter than 32 bytes; delete it to generate a new one`);
  return secret;
}
