/**
 * What the ledger chain's sealer (issue 16 item 1, target: under 5 % of a transfer) costs per sealed
 * transaction, measured in-process as CPU time, so a busy machine moves the figures far less than it
 * moves req/s. Each round, on one seeded bank:
 *   1. `--transfers` idempotent API transfers through `postMovement` (the server's own code, the
 *      batched path on PostgreSQL), `--concurrency` at a time, so they share group commits and
 *      batches as under the bench;
 *   2. `sealChain` over what step 1 committed, in the rounds the server's sealer would run;
 *   3. `writeMovementNotices` over what step 2 sealed, as the server runs it after each seal (issue
 *      18: the movement notices left the transfer's commit, migration 020; the bench's users chose no
 *      "money sent" threshold, so one notice per transfer).
 * With `--seal-every N`, steps 1 and 2 alternate every N transfers, as the server's ticks do (at
 * ~2,400 transfers/s a 250 ms tick finds about 600): a backlog of thousands sealed in rounds of 500
 * costs more per transaction on PostgreSQL, since each full round keeps the old horizon and its
 * window holds the whole backlog again.
 * For both steps it counts Node's CPU (`process.cpuUsage`, user + system) and, on PostgreSQL, the
 * server's: utime + stime from /proc/<pid>/stat of the `postgres` processes (clock ticks of 10 ms,
 * hence thousands of transactions per sample), two ways:
 *   - "pg ours": the backends connected to this run's database and the server's own processes
 *     (checkpointer, WAL writer...), found in pg_stat_activity: other sessions on the server do not
 *     count;
 *   - "pg all": every `postgres` process on the machine: includes whatever else uses the server.
 * Prints CPU us per transfer and per sealed transaction for each round, and the medians; the
 * sealing share is sealing (Node + pg ours) over a transfer (Node + pg ours), HTTP not included (the
 * bench's server CPU per transfer is the other denominator).
 *
 * The notices' share is counted the same way, per transfer.
 *
 *   npx tsx bench/experiments/side-costs.ts [--backend postgres] [--rounds 5] [--transfers 4000] [--seal-every 600]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { sealChain } from '../../src/app/seal-chain.js';
import { writeMovementNotices } from '../../src/app/write-movement-notices.js';
import { postMovement } from '../../src/app/post-movement.js';
import { apiIdempotencyKey, requestFingerprint } from '../../src/app/idempotency.js';
import { loadConfig } from '../../src/config.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { postgresCpuUs } from '../lib/postgres-cpu.js';
import { seedBank, seedContext } from '../lib/seed.js';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const backend = flag('--backend', 'sqlite');
const rounds = Number(flag('--rounds', '5'));
const transfers = Number(flag('--transfers', '4000'));
const concurrency = Number(flag('--concurrency', '50'));
/** Transfers between two sealing calls; by default all of a round's at once (one backlog). */
const sealEvery = Number(flag('--seal-every', String(transfers)));
const pgUrl = flag('--pg-url', 'postgres://postgres@127.0.0.1:5432/postgres');

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface ServerCpu {
  ours: number;
  all: number;
}

/**
 * Runs `work` and returns the PostgreSQL server's CPU (us) spent meanwhile: by this run's processes
 * (its database's backends and the server's own, listed before and after) and by all of them.
 */
async function serverCpuDuring(admin: pg.Client | null, database: string, work: () => Promise<void>): Promise<ServerCpu> {
  if (!admin) {
    await work();
    return { ours: 0, all: 0 };
  }
  const ourPids = async () =>
    (await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 or datname is null', [database])).rows.map((r) => r.pid);
  const before = new Set(await ourPids());
  const start = postgresCpuUs();
  await work();
  const end = postgresCpuUs();
  for (const pid of await ourPids()) before.add(pid);
  let ours = 0;
  let all = 0;
  for (const [pid, us] of end) {
    const spent = us - (start.get(pid) ?? 0);
    all += spent;
    if (before.has(pid)) ours += spent;
  }
  return { ours, all };
}

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
  type Row = { transferNode: number; transferPg: number; sealNode: number; sealPg: number; sealPgAll: number; noticeNode: number; noticePg: number };
  const results: Row[] = [];

  for (let round = 1; round <= rounds; round++) {
    const jobs = Array.from({ length: transfers }, () => {
      const from = pick();
      let to = pick();
      while (to === from) to = pick();
      return { from, to, amount: BigInt(1 + Math.floor(Math.random() * 100)) };
    });
    let at = 0;
    let end = 0;
    const worker = async () => {
      for (let job = at < end ? jobs[at++] : undefined; job; job = at < end ? jobs[at++] : undefined) {
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
    let [transferNode, transferPg, sealNode, sealPg, sealPgAll, sealed, noticeNode, noticePg, noticed] = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    while (end < jobs.length) {
      end = Math.min(jobs.length, end + sealEvery);
      // Node's CPU is read inside the work: reading /proc and pg_stat_activity must not count.
      const moved = await serverCpuDuring(admin, database, async () => {
        const t0 = cpuUs();
        await Promise.all(Array.from({ length: concurrency }, worker));
        transferNode += cpuUs() - t0;
      });
      transferPg += moved.ours;
      const sealing = await serverCpuDuring(admin, database, async () => {
        const t1 = cpuUs();
        while (true) {
          const outcome = await sealChain(ctx);
          sealed += outcome.sealed;
          if (outcome.sealed === 0) break;
        }
        sealNode += cpuUs() - t1;
      });
      sealPg += sealing.ours;
      sealPgAll += sealing.all;
      const noticing = await serverCpuDuring(admin, database, async () => {
        const t2 = cpuUs();
        noticed += (await writeMovementNotices(ctx)).written;
        noticeNode += cpuUs() - t2;
      });
      noticePg += noticing.ours;
    }
    if (noticed !== transfers) throw new Error(`wrote ${noticed} notices, expected ${transfers}`);
    if (sealed !== transfers) throw new Error(`sealed ${sealed}, expected ${transfers}`);

    const row: Row = {
      transferNode: transferNode / transfers,
      transferPg: transferPg / transfers,
      sealNode: sealNode / sealed,
      sealPg: sealPg / sealed,
      sealPgAll: sealPgAll / sealed,
      noticeNode: noticeNode / transfers,
      noticePg: noticePg / transfers,
    };
    results.push(row);
    console.log(
      `round ${round}: transfer ${row.transferNode.toFixed(1)} us Node + ${row.transferPg.toFixed(1)} us pg; ` +
        `sealing ${row.sealNode.toFixed(1)} us Node + ${row.sealPg.toFixed(1)} us pg ours (${row.sealPgAll.toFixed(1)} us pg all) per sealed transaction (${sealed}); ` +
        `notices ${row.noticeNode.toFixed(1)} us Node + ${row.noticePg.toFixed(1)} us pg per transfer`,
    );
  }
  const m = (k: keyof Row) => median(results.map((r) => r[k]));
  const share = median(results.map((r) => (r.sealNode + r.sealPg) / (r.transferNode + r.transferPg)));
  const noticeShare = median(results.map((r) => (r.noticeNode + r.noticePg) / (r.transferNode + r.transferPg)));
  console.log(
    `${backend} medians over ${rounds} rounds of ${transfers} (sealed every ${sealEvery}): transfer (no HTTP) ${m('transferNode').toFixed(1)} us Node + ${m('transferPg').toFixed(1)} us pg; ` +
      `sealing ${m('sealNode').toFixed(1)} us Node + ${m('sealPg').toFixed(1)} us pg ours (${m('sealPgAll').toFixed(1)} us pg all) per sealed transaction; ` +
      `sealing / transfer (Node + pg ours) ${(100 * share).toFixed(1)} %; ` +
      `notices ${m('noticeNode').toFixed(1)} us Node + ${m('noticePg').toFixed(1)} us pg per transfer, notices / transfer ${(100 * noticeShare).toFixed(1)} %`,
  );
  await storage.close();
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (admin) {
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}
