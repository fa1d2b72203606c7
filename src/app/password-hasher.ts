/**
 * argon2id through @node-rs/argon2, whose async calls run on libuv's thread pool so hashing never
 * blocks the event loop. A dummy hash made with the same parameters lets sign-in spend the same
 * time on an unknown username as on a wrong password.
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

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Verifies `password` against `hashed`, or against a dummy hash when there is no user. */
  verify(hashed: string | undefined, password: string): Promise<boolean>;
  /** True when `hashed` was made with weaker parameters than the configured ones. */
  needsRehash(hashed: string): boolean;
}

export async function createPasswordHasher(params: Argon2Params): Promise<PasswordHasher> {
  const options = { algorithm: ARGON2ID, memoryCost: params.memoryCostKib, timeCost: params.timeCost, parallelism: params.parallelism };
  const dummyHash = await hash('minibank dummy password for unknown users', options);
  const limited = concurrencyLimit(params.maxConcurrent || os.availableParallelism());
  return {
    hash: (password) => limited(() => hash(password, options)),
    async verify(hashed, password) {
      try {
        const ok = await limited(() => verify(hashed ?? dummyHash, password));
        return hashed !== undefined && ok;
      } catch {
        return false;
      }
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
