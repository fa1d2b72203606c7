/**
 * argon2id through @node-rs/argon2, whose async calls run on libuv's thread pool so hashing never
 * blocks the event loop. A dummy hash made with the same parameters lets sign-in spend the same
 * time on an unknown username as on a wrong password.
 *
 * Passwords are hashed and compared in Unicode NFC (issue 11 class 8; NIST SP 800-63B 5.1.1.2, ASVS
 * 2.1.x): "é" typed as one code point or as "e" plus a combining accent is the same password. The
 * whole password is always hashed (argon2 does not truncate; nothing here slices it). A hash made
 * before this rule from a non-NFC password still verifies (raw form as a fallback) and asks for a
 * rehash, which stores the NFC form at that login.
 */
import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';
import os from 'node:os';

const ARGON2ID = 2 as Algorithm;

export interface Argon2Params {
  memoryCostKib: number;
  timeCost: number;
  parallelism: number;
  /**
   * Most hashes computed at once; 0 means one per CPU. argon2id is CPU- and memory-bound: more at
   * once than there are CPUs finishes none sooner, holds `memoryCostKib` each, and leaves the event
   * loop (health checks, every other request) fighting more threads for a CPU. The rest wait in line.
   */
  maxConcurrent?: number;
}

/** A counting semaphore: at most `limit` of the functions run at once, the rest wait in order. */
function concurrencyLimit(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** The one form a password is hashed and compared in: Unicode NFC, never shortened. */
export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

/** A password check's outcome: `rehash` when it matched only in its raw, non-NFC form (a hash from before NFC). */
export interface PasswordCheck {
  ok: boolean;
  rehash: boolean;
}

export interface PasswordHasher {
  /** argon2id (PHC string) of the NFC form of `password`. */
  hash(password: string): Promise<string>;
  /**
   * Verifies `password` (NFC form first, then, if it differs, the raw form for hashes made before the
   * NFC rule) against `hashed`, or against a dummy hash when there is no user (then never ok).
   */
  verify(hashed: string | undefined, password: string): Promise<PasswordCheck>;
  /** True when `hashed` was made with weaker parameters than the configured ones. */
  needsRehash(hashed: string): boolean;
}

export async function createPasswordHasher(params: Argon2Params): Promise<PasswordHasher> {
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryCostKib, timeCost: params.timeCost, parallelism: params.parallelism };
  const dummyHash = await hash('minibank dummy password for unknown users', options);
  const limited = concurrencyLimit(params.maxConcurrent || os.availableParallelism());
  return {
    hash: (password) => limited(() => hash(normalizePassword(password), options)),
    async verify(hashed, password) {
      const attempt = async (form: string) => {
        try {
          return await limited(() => verify(hashed ?? dummyHash, form));
        } catch {
          return false;
        }
      };
      const nfc = normalizePassword(password);
      if ((await attempt(nfc)) && hashed !== undefined) return { ok: true, rehash: false };
      // Only a password that NFC changes costs a second verification, known user or not (same timing).
      if (nfc !== password && (await attempt(password)) && hashed !== undefined) return { ok: true, rehash: true };
      return { ok: false, rehash: false };
    },
    needsRehash(hashed) {
      try {
        const p = parseOptions(hashed);
        return p.algorithm !== ARGON2ID || p.memoryCost < params.memoryCostKib || p.timeCost < params.timeCost || p.parallelism < params.parallelism;
      } catch {
        return true;
      }
    },
  };
}
