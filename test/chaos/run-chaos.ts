/**
 * One chaos run from start to verdict: fresh storage, real servers, users with a known total, the
 * load and the nemesis together, then healing, resolving every unknown transfer with its original
 * key, replaying every settled one, and the checker. Returns the verdict and writes the artifacts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Storage } from '../../src/storage/storage.js';
import { createBackend } from './backend.js';
import { actionAnswer, placementOutcome, resolveHolds, waitForHoldsResolved } from './hold-workload.js';
import { check, type CheckResult } from './checker.js';
import { Cluster, type ChaosUser, createUsers } from './cluster.js';
import { History, type TransferOp } from './history.js';
import { LoadDeadline, Nemesis } from './nemesis.js';
import { REPO_ROOT, type ChaosOptions } from './options.js';
import { Prng } from './prng.js';
import { computeStats, jsonReport, summaryText, svgPlot, type RunStats } from './report.js';
import { TotalSampler } from './sampler.js';
import { prepareServerCommand } from './server-build.js';
import { freePort, ServerProcess, sleep } from './server-process.js';
import { attemptTransfer, runClient } from './workload.js';

/** How many times its planned length a run may stretch while the nemesis gets its kills in. */
export const LOAD_CAP_FACTOR = 8;

export interface ChaosVerdict {
  ok: boolean;
  stats: RunStats;
  result: CheckResult;
  summary: string;
  reportFile: string;
  plotFile: string;
  shutdowns: string[];
}

export async function runChaos(options: ChaosOptions): Promise<ChaosVerdict> {
  const log = (line: string) => {
    if (options.verbose) console.log(`[chaos] ${line}`);
  };
  fs.mkdirSync(options.outDir, { recursive: true });
  const rng = new Prng(options.seed);
  const command = await prepareServerCommand(options.server, `${options.backend}-${options.seed}`);
  log(`servers run as: node ${[...command.entry, 'serve'].join(' ')}`);
  const backend = await createBackend(options.backend, options.seed, options.pgOptions).catch((error: unknown) => {
    command.cleanup();
    throw error;
  });
  log(`storage: ${backend.label}`);
  const servers: ServerProcess[] = [];
  let keep = options.keep;
  let history = new History(Date.now());
  let sampleStorage: Storage | undefined;
  // Stopped in `finally` too: a run that throws (a server not ready in time) must not leave a timer,
  // the sampler or the nemesis keeping the test process alive forever.
  let progress: ReturnType<typeof setInterval> | undefined;
  let sampler: TotalSampler | undefined;
  let stopNemesis: (() => void) | undefined;
  try {
    const secretRng = rng.fork('secret');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: backend.databaseUrl,
      SECRET: secretRng.text(48),
      RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
      TOKEN_TTL_SECONDS: '86400',
      // Holds left to expire are settled within a second of their expiry, so the run's end waits little.
      HOLD_SWEEP_INTERVAL_MS: '1000',
      // SQLite: movements commit in the worker thread, which the nemesis kills mid-batch (issue 17 item 3).
      ...(options.backend === 'sqlite' ? { SQLITE_WRITE_WORKER: 'on', MINIBANK_TEST_WORKER_FAULT_SIGNAL: 'on' } : {}),
    };
    // The load runs without the shared limiter; the cross-instance check turns it on deliberately.
    delete env.REDIS_URL;
    for (let i = 0; i < options.instances; i++) {
      // SQLite instances must share the data directory (it holds the database file); PostgreSQL ones get their own for their logs.
      const dataDir = options.backend === 'sqlite' ? backend.dataDir : path.join(backend.dataDir, `instance-${i}`);
      const server = new ServerProcess(
        i,
        await freePort(),
        [...command.entry, 'serve'],
        { ...env, DATA_DIR: dataDir },
        path.join(options.outDir, `instance-${i}.log`),
        () => history.now(),
      );
      servers.push(server);
      // One at a time: the first applies the migrations.
      await server.start();
    }
    const cluster = new Cluster(servers);
    const users = await createUsers(cluster, rng.fork('users'), options.users, options.timeoutMs);
    const initialTotal = users.reduce((sum, u) => sum + u.initial, 0);
    log(
      `${users.length} users hold ${initialTotal} in total; ${options.clients} clients for ${options.seconds} s against ${servers.map((s) => s.baseUrl).join(', ')}`,
    );

    sampleStorage = backend.open();
    history = new History(Date.now());
    sampler = new TotalSampler(sampleStorage, history);
    const nemesis = new Nemesis(cluster, rng.fork('nemesis'), history, {
      minKills: options.minKills,
      timeoutMs: options.timeoutMs,
      pauseShare: 0.25,
      minPauses: Math.max(1, Math.floor(options.seconds / 20)),
      termShare: 0.1,
      minTerms: Math.max(1, Math.floor(options.seconds / 30)),
      workerKillShare: options.backend === 'sqlite' ? 0.15 : 0,
      minWorkerKills: options.backend === 'sqlite' ? Math.max(1, Math.floor(options.seconds / 20)) : 0,
    });
    stopNemesis = () => nemesis.stop();
    // The load ends on progress (the kills are in), not on the clock: a busy machine restarts
    // slowly and simply runs longer. The cap only stops a run that is making no progress at all.
    const deadline = new LoadDeadline(options.seconds * 1000, options.seconds * LOAD_CAP_FACTOR * 1000, history, () => nemesis.kills >= options.minKills);
    sampler.start();
    progress = setInterval(() => {
      const done = history.transfers.length;
      log(`${(history.now() / 1000).toFixed(0)} s: ${done} transfers, ${history.reads.length} reads, ${nemesis.kills} kills, ${nemesis.pauses} pauses`);
    }, 10_000);
    // One operation in ten is a hold (issue 14); those left to expire only early, so their expiry (60 s) comes soon after the load.
    const expireBeforeMs = Math.max(5_000, (options.seconds - 45) * 1000);
    const settings = { seed: options.seed, timeoutMs: options.timeoutMs, inlineAttempts: 3, holdShare: 0.1, expireBeforeMs };
    const nemesisDone = nemesis.run(deadline);
    await Promise.all(Array.from({ length: options.clients }, (_, c) => runClient(c, rng.fork(`client-${c}`), cluster, users, history, settings, deadline)));
    nemesis.stop();
    await nemesisDone;
    clearInterval(progress);
    const loadSeconds = history.now() / 1000;
    await nemesis.heal();
    log(`load over after ${loadSeconds.toFixed(1)} s; ${nemesis.kills} kills, ${nemesis.pauses} pauses; resolving unknowns`);

    const finishRng = rng.fork('finish');
    const unknown = history.transfers.filter((op) => op.final === 'unknown');
    // No faults now: wait long enough for an answer, not for the load's tight timeout.
    const settleTimeoutMs = Math.max(5_000, options.timeoutMs * 2);
    await inBatches(unknown, options.clients, (op) => settle(cluster, finishRng, history, users, op, 'resolve', settleTimeoutMs));
    log(`resolved ${unknown.length} unknown transfers; replaying every settled transfer with its key`);
    const settled = history.transfers.filter((op) => op.final !== 'unknown');
    await inBatches(settled, options.clients, (op) => settle(cluster, finishRng, history, users, op, 'replay', settleTimeoutMs));
    await resolveHolds(cluster, finishRng, users, history, settleTimeoutMs);
    const holdsDb = sampleStorage.db;
    const pendingHolds = async () =>
      Number(
        (
          await holdsDb
            .selectFrom('holds')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '=', 'pending')
            .executeTakeFirstOrThrow()
        ).n,
      );
    // Bounded: the last hold left to expire was placed expireBeforeMs into the load and lives 60 s.
    const stillPending = await waitForHoldsResolved(pendingHolds, Math.max(0, expireBeforeMs + 75_000 - history.now()) + 10_000);
    const tally = (f: (h: (typeof history.holds)[number]) => string) =>
      JSON.stringify(history.holds.reduce<Record<string, number>>((t, h) => ({ ...t, [f(h)]: (t[f(h)] ?? 0) + 1 }), {}));
    log(
      `${history.holds.length} hold operations (${tally((h) => (h.action ? `${h.action.kind} ${actionAnswer(h)?.status ?? 'unknown'}` : h.leftToExpire ? 'left to expire' : `placed ${placementOutcome(h)}`))}); ${stillPending} still pending after the wait for expiry`,
    );
    await sampler.stop();

    const shutdowns: string[] = [];
    for (const server of servers) shutdowns.push(`instance ${server.index}: ${await server.stop()}`);
    const unexpectedExits = servers.flatMap((s) => s.unexpectedExits);
    const verify = await runVerify(command.entry, env, options.backend === 'sqlite' ? backend.dataDir : path.join(backend.dataDir, 'verify'));
    const unclean = [...nemesis.unclean, ...shutdowns.filter((s) => !s.endsWith(': graceful')).map((how) => ({ instance: -1, atMs: history.now(), how }))];
    const result = await check({ storage: sampleStorage, history, users, initialTotal, samples: sampler.samples, verify, unexpectedExits, unclean });
    await sampleStorage.close();
    sampleStorage = undefined;

    const stats = computeStats(history, nemesis.faults, loadSeconds);
    const reportFile = path.join(options.outDir, 'report.json');
    const plotFile = path.join(options.outDir, 'plot.svg');
    const title = `minibank chaos: ${options.backend} × ${options.instances}, seed ${options.seed}, ${stats.transfers.total} transfers, ${stats.faults.kills} kills, ${stats.faults.pauses} pauses, ${result.violations.length} violations`;
    fs.writeFileSync(
      reportFile,
      JSON.stringify({ ...(jsonReport(options, stats, result, history, nemesis.faults, sampler.samples, initialTotal) as object), shutdowns, verify }, null, 2),
    );
    fs.writeFileSync(plotFile, svgPlot(history, nemesis.faults, sampler.samples, initialTotal, title, loadSeconds * 1000));
    const ok = result.violations.length === 0;
    if (!ok) keep = true;
    const summary =
      summaryText(options, stats, result, history, { initialTotal, artifacts: `${reportFile}, ${plotFile}${keep ? `; data kept at ${backend.label}` : ''}` }) +
      `\nshutdown: ${shutdowns.join(', ')}`;
    return { ok, stats, result, summary, reportFile, plotFile, shutdowns };
  } finally {
    clearInterval(progress);
    stopNemesis?.();
    await sampler?.stop().catch(() => {});
    await sampleStorage?.close().catch(() => {});
    for (const server of servers) {
      if (server.running) await server.kill9();
      server.close();
    }
    command.cleanup();
    if (!keep) await backend.destroy();
  }
}

/** Retries `op` with its original key and body until the bank gives a definite answer (bounded). */
async function settle(
  cluster: Cluster,
  rng: Prng,
  history: History,
  users: ChaosUser[],
  op: TransferOp,
  phase: 'resolve' | 'replay',
  timeoutMs: number,
): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const attempt = await attemptTransfer(cluster, rng, history, users, op, phase, timeoutMs);
    if (attempt.outcome !== 'unknown') return;
    await sleep(Math.min(2000, 100 * (i + 1)));
  }
}

async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** `minibank verify` as an operator would run it, against the same storage. */
function runVerify(entry: string[], env: NodeJS.ProcessEnv, dataDir: string): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...entry, 'verify'], { cwd: REPO_ROOT, env: { ...env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ exitCode: code, output }));
  });
}
