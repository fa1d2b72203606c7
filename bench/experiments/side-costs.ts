/**
 * What the ledger chain's sealer (issue 16 item 1) and the movement notices (issue 18) cost per
 * transfer, measured in-process as CPU time (`process.cpuUsage`, user + system), so a busy machine
 * moves the figures far less than it moves req/s. Each round, on one seeded bank:
 *   1. `--transfers` idempotent API transfers through `postMovement` (the server's own code),
 *      `--concurrency` at a time, so they share group commits as under the bench (SQLite);
 *   2. `sealChain` over what step 1 committed, in the rounds the server's sealer would run;
 *   3. the same transfers through `applyMovement` twice, as they are and with their movement
 *      notices written a second time in the same unit (`insertMovementNotices`, same statement and
 *      shapes), alternating which goes first: the difference is what the notice statement adds to
 *      a transfer, its share of the commit included.
 * Prints CPU us per transfer for each, per round, and the medians. Divide a side cost by the
 * bench's server CPU per transfer (HTTP included) for its share of the transfer benchmark.
 *
 *   npx tsx bench/experiments/side-costs.ts [--backend postgres] [--rounds 5] [--transfers 4000]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sealChain } from '../../src/app/seal-chain.js';
import { applyMovement } from '../../src/app/move-money.js';
import { postMovement } from '../../src/app/post-movement.js';
import { apiIdempotencyKey, requestFingerprint } from '../../src/app/idempotency.js';
import { newNotice } from '../../src/app/notify.js';
import { loadConfig } from '../../src/config.js';
import { moneyReceivedText, moneySentText } from '../../src/domain/notification-kinds.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { insertMovementNotices } from '../../src/storage/repositories/notification-repository.js';
import { seedBank, seedContext } from '../lib/seed.js';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const backend = flag('--backend', 'sqlite');
const rounds = Number(flag('--rounds', '5'));
const transfers = Number(flag('--transfers', '4000'));
const concurrency = Number(flag('--concurrency', '50'));
const pgUrl = flag('--pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-side-costs-'));
const database = `minibank_side_costs_${crypto.randomBytes(4).toString('hex')}`;
const admin = backend === 'postgres' ? new pg.Client({ connectionString: pgUrl }) : null;
try {
  if (admin) {
    await admin.connect();
    await admin.query(`create database ${database}`);
  }
  const databaseUrl = admin ? Object.assign(new URL(pgUrl), { pathname: `/${database}` }).toString() : '';
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET: crypto.randomBytes(32).toString('hex'),
    RATE_LIMITS: 'off',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const bank = await seedBank(config, { accounts: 1000, historySizes: [], log: () => undefined });
  const storage = openStorage(config);
  const ctx = seedContext(config, storage, { hash: async () => '', verify: async () => false } as never);
  await sealChain(ctx); // the seed's deposits: sealed before measuring
  const pick = () => bank.users[Math.floor(Math.random() * bank.users.length)]!;
  const results: { transfer: number; seal: number; notices: number }[] = [];

  for (let round = 1; round <= rounds; round++) {
    const jobs = Array.from({ length: transfers }, () => {
      const from = pick();
      let to = pick();
      while (to === from) to = pick();
      return { from, to, amount: BigInt(1 + Math.floor(Math.random() * 100)) };
    });
    let at = 0;
    const t0 = cpuUs();
    const worker = async () => {
      for (let job = jobs[at++]; job; job = jobs[at++]) {
        const body = { from_account_id: job.from.accountId, to: job.to.accountNumber, amount_minor: Number(job.amount), memo: null };
        const key = apiIdempotencyKey(crypto.randomUUID());
        const { outcome } = await postMovement(
          ctx,
          job.from.userId,
          { type: 'transfer', fromAccountId: job.from.accountId, to: job.to.accountNumber, amountMinor: job.amount, memo: null },
          { key, requestHash: requestFingerprint(body) },
        );
        // A refused transfer writes almost nothing: count only what moved money.
        if (outcome.kind !== 'moved')
          throw new Error(`transfer refused: ${JSON.stringify(outcome, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const transferUs = (cpuUs() - t0) / transfers;

    const t1 = cpuUs();
    let sealed = 0;
    // The server seals every quarter of CHAIN_SEAL_MAX_DELAY_MS; at ~3,600 transfers/s that is
    // about 900 per round, the size the loop below gives each call.
    while (true) {
      const outcome = await sealChain(ctx);
      sealed += outcome.sealed;
      if (outcome.sealed === 0) break;
    }
    const sealUs = (cpuUs() - t1) / Math.max(1, sealed);

    // The notices' marginal cost: the same movements twice, once as they are and once writing their
    // notices a second time in the same unit; the difference is one notice statement inside a transfer.
    const movements = async (extraNotices: boolean) => {
      let next = 0;
      const start = cpuUs();
      const run = async () => {
        for (let job = jobs[next++]; job; job = jobs[next++]) {
          const current = job;
          await storage.writeTransaction(async (trx) => {
            await applyMovement(ctx, trx, current.from.userId, {
              type: 'transfer',
              fromAccountId: current.from.accountId,
              to: current.to.accountNumber,
              amountMinor: current.amount,
              memo: null,
            });
            if (!extraNotices) return;
            const received = newNotice(ctx, current.to.userId, 'money_received', moneyReceivedText(current.amount, 'EUR', current.from.username));
            const sent = newNotice(ctx, current.from.userId, 'money_sent', moneySentText(current.amount, 'EUR', current.to.username));
            await insertMovementNotices(trx, { received, sent, sentAmountMinor: current.amount });
          });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, run));
      return (cpuUs() - start) / transfers;
    };
    // Alternate which goes first, so a machine getting busier does not favour one.
    let plain: number, doubled: number;
    if (round % 2) {
      plain = await movements(false);
      doubled = await movements(true);
    } else {
      doubled = await movements(true);
      plain = await movements(false);
    }
    const noticeUs = doubled - plain;
    results.push({ transfer: transferUs, seal: sealUs, notices: noticeUs });
    console.log(
      `round ${round}: transfer ${transferUs.toFixed(1)} us, sealing ${sealUs.toFixed(1)} us per sealed transaction (${sealed}), notices ${noticeUs.toFixed(1)} us`,
    );
  }
  const m = (k: 'transfer' | 'seal' | 'notices') => median(results.map((r) => r[k]));
  console.log(
    `${backend} medians over ${rounds} rounds of ${transfers}: transfer (no HTTP) ${m('transfer').toFixed(1)} us, sealing ${m('seal').toFixed(1)} us, notices ${m('notices').toFixed(1)} us of CPU per transfer`,
  );
  await storage.close();
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (admin) {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}
