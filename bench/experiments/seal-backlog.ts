/**
 * What the SQLite chain sealer costs per sealed transaction, on a backlog: a fresh data directory is
 * migrated and seeded through the bench's own seeding (bench/lib/seed.ts: a few users with opening
 * deposits), `--transactions` transfers between their accounts are posted through `applyMovement`
 * (in transactions of 500, to save time; sealing does not care how they were committed), and then
 * `sealChain` is timed sealing the whole backlog, with the app's rounds, chunks and commits
 * (synchronous=FULL). Prints microseconds per sealed transaction (wall time, and the process's CPU
 * time, all threads; SQLite runs in this process), and how much the database file grew per sealed
 * transaction (after a checkpoint before and after). Run with `node --cpu-prof --import tsx` to see
 * where a round's time goes (docs/performance.md "Round 2, fifth session").
 *
 * Run it on two trees alternately to compare them; it reads only the tree it runs in.
 *
 *   npx tsx bench/experiments/seal-backlog.ts [--transactions 20000] [--accounts 4]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { applyMovement } from '../../src/app/move-money.js';
import { sealChain } from '../../src/app/seal-chain.js';
import { loadConfig } from '../../src/config.js';
import { createPasswordHasher } from '../../src/services/password-hasher.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { seedBank, seedContext } from '../lib/seed.js';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRANSACTIONS = flag('transactions', 20_000);
const ACCOUNTS = flag('accounts', 4);
const PER_COMMIT = 500;

/** The database file's size in bytes once the WAL is folded back into it. */
async function databaseBytes(storage: Storage): Promise<number> {
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(storage.db);
  const pragma = async (name: string) =>
    Number(Object.values((await sql<Record<string, number | bigint>>`pragma ${sql.raw(name)}`.execute(storage.db)).rows[0]!)[0]);
  return (await pragma('page_count')) * (await pragma('page_size'));
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-seal-backlog-'));
try {
  const config = loadConfig({ DATA_DIR: dataDir, SECRET: crypto.randomBytes(32).toString('hex'), RATE_LIMITS: 'off', DATABASE_URL: '' });
  const { users } = await seedBank(config, { accounts: ACCOUNTS, historySizes: [], log: () => undefined });
  const storage = openStorage(config);
  try {
    const passwords = await createPasswordHasher({ memoryCostKib: config.argon2MemoryKib, timeCost: config.argon2Iterations, parallelism: 1 });
    const ctx = seedContext(config, storage, passwords);
    // The opening deposits are sealed first, so the timed backlog is exactly the transfers.
    await sealChain(ctx);
    for (let done = 0; done < TRANSACTIONS; done += PER_COMMIT) {
      await storage.writeTransaction(async (trx) => {
        for (let i = done; i < Math.min(done + PER_COMMIT, TRANSACTIONS); i++) {
          const from = users[i % users.length]!;
          const to = users[(i + 1) % users.length]!;
          await applyMovement(ctx, trx, from.userId, { type: 'transfer', fromAccountId: from.accountId, to: to.accountNumber, amountMinor: 1n, memo: null });
        }
      });
    }
    const bytesBefore = await databaseBytes(storage);
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    let sealed = 0;
    for (;;) {
      const outcome = await sealChain(ctx);
      if (outcome.sealed === 0) break;
      sealed += outcome.sealed;
    }
    const elapsedUs = Number(process.hrtime.bigint() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    if (sealed !== TRANSACTIONS) throw new Error(`sealed ${sealed}, expected ${TRANSACTIONS}`);
    const grown = (await databaseBytes(storage)) - bytesBefore;
    console.log(
      `sealed ${sealed} in ${(elapsedUs / 1000).toFixed(1)} ms: ${(elapsedUs / sealed).toFixed(2)} us per sealed transaction (CPU ${((cpu.user + cpu.system) / sealed).toFixed(2)} us); database file +${(grown / sealed).toFixed(0)} bytes per sealed transaction`,
    );
  } finally {
    await storage.close();
  }
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
