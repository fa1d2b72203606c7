/**
 * Prepares the bank the bench drives, before the server starts, through the app's own code:
 * users are inserted with the sign-up use case's repositories and `openAccount` (one argon2id hash
 * is computed with the server's parameters and reused for every user, because 1,000 hashes would
 * cost minutes and measure nothing), balances arrive by real deposits through `applyMovement`, and
 * tokens are signed with the server's secret and recorded exactly as `issueToken` does.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../src/app/context.js';
import { applyMovement } from '../../src/app/move-money.js';
import { openAccount } from '../../src/app/open-account.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/services/password-hasher.js';
import { systemRandomness } from '../../src/services/system-randomness.js';
import { createTokenSigner } from '../../src/services/token-signer.js';
import type { Config } from '../../src/config.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { insertToken } from '../../src/storage/repositories/token-repository.js';
import { FIRST_PASSWORD_GENERATION, insertUser } from '../../src/storage/repositories/user-repository.js';
import type { Storage, Trx } from '../../src/storage/storage.js';
import { seedHistory } from './seed-history.js';

export const BENCH_PASSWORD = 'bench passphrase: correct horse battery staple 7';
/** Every payer starts with this much, so random transfers of at most 100 cents never run dry. */
const OPENING_BALANCE = 100_000_000n;

export interface BenchUser {
  username: string;
  userId: string;
  accountId: string;
  accountNumber: string;
  token: string;
}

export interface SeededBank {
  users: BenchUser[];
  /** Accounts with exactly this many history entries, keyed by entry count. */
  histories: Map<number, BenchUser>;
  timings: Record<string, number>;
}

export async function seedBank(config: Config, options: { accounts: number; historySizes: number[]; log: (line: string) => void }): Promise<SeededBank> {
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await work();
    timings[name] = Math.round(performance.now() - start);
    options.log(`  ${name}: ${timings[name]} ms`);
    return result;
  };
  const storage = openStorage(config);
  try {
    await migrateToLatest(storage);
    const realHasher = await createPasswordHasher({
      memoryCostKib: config.argon2MemoryKib,
      timeCost: config.argon2Iterations,
      parallelism: config.argon2Parallelism,
    });
    const passwordHash = await realHasher.hash(BENCH_PASSWORD);
    const ctx = seedContext(config, storage, realHasher);
    const create = (names: string[], opening = OPENING_BALANCE) => createUsers(ctx, names, passwordHash, opening);

    const users = await time(`create ${options.accounts} users, accounts, deposits, tokens`, () =>
      create(Array.from({ length: options.accounts }, (_, i) => `bench-${i}`)),
    );
    const histories = new Map<number, BenchUser>();
    for (const size of options.historySizes) {
      // The subject opens with no deposit, so its history is exactly `size` entries long.
      const [subject] = await create([`history-${size}`], 0n);
      const [feeder] = await create([`feeder-${size}`]);
      await time(`seed ${size} history entries`, () =>
        storage.writeTransaction((trx) => seedHistory(trx, storage.dialect, { subject: subject!, feeder: feeder!, entries: size })),
      );
      histories.set(size, subject!);
    }
    // PostgreSQL: fresh statistics, as autovacuum would have soon after a bulk load; without them the
    // planner sees the tables as tiny and the dashboard's chart query scans all 3M entries. SQLite is
    // left as minibank runs it, never analysed (the history query pins its index either way:
    // src/storage/repositories/history-repository.ts, test/integration/history-plan.test.ts).
    if (storage.dialect === 'postgres') await time('analyze', () => sql`analyze`.execute(storage.db).then(() => undefined));
    return { users, histories, timings };
  } finally {
    await storage.close();
  }
}

export function seedContext(config: Config, storage: Storage, passwords: PasswordHasher): AppContext {
  return {
    config,
    storage,
    clock: { nowMs: () => Date.now() },
    random: systemRandomness,
    passwords,
    tokens: createTokenSigner({ secret: config.secret, issuer: config.tokenIssuer, audience: config.tokenAudience, ttlSeconds: config.tokenTtlSeconds }),
    faults: {},
    inFlightKeys: new Set(),
  };
}

/** Users in chunks of 250 per transaction: one commit per chunk instead of one per row. */
async function createUsers(ctx: AppContext, names: string[], passwordHash: string, openingMinor: bigint): Promise<BenchUser[]> {
  const out: BenchUser[] = [];
  for (let start = 0; start < names.length; start += 250) {
    const chunk = names.slice(start, start + 250);
    const created = await ctx.storage.writeTransaction(async (trx) => {
      const rows: Omit<BenchUser, 'token'>[] = [];
      for (const username of chunk) rows.push(await createUser(ctx, trx, username, passwordHash, openingMinor));
      return rows;
    });
    for (const user of created) {
      const nowMs = ctx.clock.nowMs();
      const jti = ctx.random.uuid();
      const token = await ctx.tokens.sign({ userId: user.userId, jti, nowMs });
      await insertToken(ctx.storage.db, {
        jti,
        userId: user.userId,
        createdAtMs: BigInt(nowMs),
        expiresAtMs: BigInt(nowMs + ctx.tokens.ttlSeconds * 1000),
        passwordGeneration: FIRST_PASSWORD_GENERATION,
      });
      out.push({ ...user, token });
    }
  }
  return out;
}

async function createUser(ctx: AppContext, trx: Trx, username: string, passwordHash: string, openingMinor: bigint): Promise<Omit<BenchUser, 'token'>> {
  const userId = ctx.random.uuid();
  await insertUser(trx, { id: userId, username, password_hash: passwordHash, created_at: BigInt(ctx.clock.nowMs()) });
  const account = await openAccount(ctx, trx, { userId, currency: ctx.config.currency });
  if (openingMinor > 0n)
    await applyMovement(ctx, trx, userId, { type: 'deposit', accountId: account.id, amountMinor: openingMinor, memo: 'bench opening balance' });
  return { username, userId, accountId: account.id, accountNumber: account.number };
}
