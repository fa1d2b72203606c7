/**
 * Everything a use case may touch, passed in rather than imported, so tests can swap the clock,
 * the randomness or inject a fault.
 */
import type { Config } from '../config.js';
import type { Storage } from '../storage/storage.js';
import type { AppObserver } from './observer.js';
import type { PasswordHasher } from '../services/password-hasher.js';
import type { SecurityServices } from './security-services.js';
import type { TokenSigner } from '../services/token-signer.js';
import type { SecretBox } from '../services/secret-box.js';
import type { MovementCommitter } from './movement-committer.js';

export interface Clock {
  nowMs(): number;
}

export interface Randomness {
  /** A random UUID (version 4). */
  uuid(): string;
  /**
   * A time-ordered UUID (version 7, RFC 9562): ids made later sort later, so rows written in bulk
   * append to the end of their id index instead of touching a random page each (write-movement-notices.ts).
   */
  orderedUuid(): string;
  /** `count` uniformly random decimal digits. */
  digits(count: number): string;
  /** `count` random bytes, for secrets. */
  bytes(count: number): Buffer;
}

/** Seams for tests that must prove a failure half-way through a money movement moves nothing. */
export interface FaultHooks {
  afterDebit?(): void | Promise<void>;
  /** After each chunk of chain rows a sealing round inserts (app/seal-chain.ts): a throw here is a sealer killed mid-way. */
  afterChainChunk?(): void | Promise<void>;
}

export interface AppContext {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly random: Randomness;
  readonly passwords: PasswordHasher;
  readonly tokens: TokenSigner;
  readonly faults: FaultHooks;
  /** Login throttle, known devices and audit observers; absent in tools that never sign anyone in. */
  readonly security?: SecurityServices;
  /** Metrics hear about movements and sign-ins through this (absent: nobody listens); never affects the outcome. */
  readonly observer?: AppObserver;
  /** Idempotency keys whose first request is still running in this process (user id + key). */
  readonly inFlightKeys: Set<string>;
  /** Where money movements commit when not on this thread (SQLite's movement worker, issue 17 item 3); absent: here. */
  readonly movements?: MovementCommitter;
  /** Seals secrets at rest (TOTP) under keys derived from SECRET; absent in tools that never enrol a second factor. */
  readonly secrets?: SecretBox;
}

export const nowMsBig = (ctx: Pick<AppContext, 'clock'>): bigint => BigInt(ctx.clock.nowMs());
