/**
 * Does anything on PostgreSQL's transfer path, or the after-commit work (sealing, movement notices),
 * read a table whole, so that it slows as the bank grows? Seeds a bank (1,000 accounts, empty
 * idempotency keys, as the bench does), then runs rounds of `--transfers` idempotent transfers through
 * `postMovement` (the batched path unless `--batch 0`), each followed by `followLedger` (seal, then
 * notices), and prints per round: transfers per second, Node's CPU per transfer, and the sequential
 * scans per table (pg_stat_user_tables) during the transfers and during the follow step. A plan that
 * scans a growing table shows as a rate that falls round after round and a scan count near one per
 * transfer (found this way: the batch function's cached plan for storing an outcome, 1,049/s falling
 * to 244/s over four rounds; docs/performance.md "PostgreSQL: plans that read a growing table").
 * Small tables may be scanned legitimately (the planner's choice); look for counts that grow.
 *
 *   npx tsx bench/experiments/pg-plan-growth.ts [--rounds 4] [--transfers 3000] [--batch 64]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { followLedger } from '../../src/app/follow-ledger.js';
import { apiIdempotencyKey, requestFingerprint } from '../../src/app/idempotency.js';
import { postMovement } from '../../src/app/post-movement.js';
import { loadConfig } from '../../src/config.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { seedBank, seedContext } from '../lib/seed.js';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const rounds = Number(flag('--rounds', '4'));
const transfers = Number(flag('--transfers', '3000'));
const batch = flag('--batch', '64');
const pgUrl = flag('--pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');

type Scans = Record<string, { seq_scan: string; seq_tup_read: string }>;

/** Tables scanned sequentially between two readings: [table, scans, rows read]. */
const scannedBetween = (before: Scans, after: Scans) =>
  Object.keys(after)
    .map(
      (t) => [t, Number(after[t]!.seq_scan) - Number(before[t]?.seq_scan ?? 0), Number(after[t]!.seq_tup_read) - Number(before[t]?.seq_tup_read ?? 0)] as const,
    )
    .filter(([, scans]) => scans > 0);

const admin = new pg.Client({ connectionString: pgUrl });
await admin.connect();
const database = `minibank_plan_growth_${crypto.randomBytes(4).toString('hex')}`;
await admin.query(`create database ${database}`);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-plan-growth-'));
try {
  const url = Object.assign(new URL(pgUrl), { pathname: `/${database}` }).toString();
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET: crypto.randomBytes(32).toString('hex'),
    RATE_LIMITS: 'off',
    DATABASE_URL: url,
    PG_TRANSFER_BATCH_MAX: batch,
  });
  const bank = await seedBank(config, { accounts: 1000, historySizes: [], log: () => undefined });
  const storage = openStorage(config);
  const ctx = seedContext(config, storage, { hash: async () => '', verify: async () => false } as never);
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  const scans = async (): Promise<Scans> => {
    // An idle backend reports its counters within 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): wait
    // them out, or a step's scans show under the next one.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    const rows = (await reader.query('select relname, seq_scan, seq_tup_read from pg_stat_user_tables')).rows;
    return Object.fromEntries(rows.map((r) => [r.relname, r]));
  };
  const pick = () => bank.users[Math.floor(Math.random() * bank.users.length)]!;
  for (let round = 1; round <= rounds; round++) {
    const before = await scans();
    let started = 0;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const worker = async () => {
      while (started++ < transfers) {
        const from = pick();
        let to = pick();
        while (to === from) to = pick();
        const body = { from_account_id: from.accountId, to: to.accountNumber, amount_minor: 1, memo: null };
        await postMovement(
          ctx,
          from.userId,
          { type: 'transfer', fromAccountId: from.accountId, to: to.accountNumber, amountMinor: 1n, memo: null },
          { key: apiIdempotencyKey(crypto.randomUUID()), requestHash: requestFingerprint(body) },
        );
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    const seconds = (performance.now() - wall0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const middle = await scans();
    const followed = await followLedger(ctx);
    const after = await scans();
    console.log(
      `round ${round}: ${(transfers / seconds).toFixed(0)} transfers/s, Node ${((cpu.user + cpu.system) / transfers).toFixed(0)} us per transfer; ` +
        `seq scans during transfers ${JSON.stringify(scannedBetween(before, middle))}; ` +
        `follow (sealed ${followed.sealed.sealed}, notices ${followed.notices.written}) ${JSON.stringify(scannedBetween(middle, after))}`,
    );
  }
  await reader.end();
  await storage.close();
} finally {
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
