/**
 * `npm run bench`: measures minibank under load against a Fastify hello-world measured in the same
 * run, and prints one table. See bench/README.md for what each row means and how the bank is seeded.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { argon2VerificationsPerSecond } from './lib/argon2-rate.js';
import { parseArgs, wants, type BenchArgs } from './lib/args.js';
import { buildRequests, pick, runLoad, type LoadFigures, type LoadRequest } from './lib/load.js';
import { runRaw } from './lib/raw-load.js';
import { browserSession, probeStack, type StackParts } from './lib/probe.js';
import { benchDir, benchServerEnv, freePort, repoDir, serversOf, startChild, startScriptNodeFlags, type Servers } from './lib/processes.js';
import { createPgDatabase } from './lib/pg-database.js';
import { ledgerFollowSeconds } from './lib/ledger-follow.js';
import { postgresCpuSpentUs, postgresCpuUs } from './lib/postgres-cpu.js';
import { transferRequest } from './lib/transfer-request.js';
import { recordInDocs, renderTable, writeResults, type Row } from './lib/report.js';
import { BENCH_PASSWORD, seedBank, type BenchUser } from './lib/seed.js';

const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = new Date();
  const serverEntry = prepareServerBuild(args);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-bench-'));
  const dataDir = path.join(workDir, 'data');
  const pgDb = args.backend === 'postgres' ? await createPgDatabase(args.pgUrl) : undefined;
  let server: Servers | undefined;
  const cleanup = async () => {
    await server?.stop().catch(() => {});
    await pgDb?.drop().catch((e: unknown) => log(`could not drop ${pgDb.name}: ${String(e)}`));
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const env = benchServerEnv(dataDir, pgDb?.url ?? '');
    const config = loadConfig(env);
    // One account per size: --history-size 1000 shares the 1,000-entry account (two would clash on their names).
    const historySizes = [...new Set([wants(args, 'history-1k') ? 1000 : 0, wants(args, 'history-big') ? args.historySize : 0])].filter((n) => n > 0);
    log(`seeding ${args.backend} (${args.accounts} accounts${historySizes.length ? `, histories of ${historySizes.join(' and ')} entries` : ''})`);
    const bank = await seedBank(config, { accounts: args.accounts, historySizes, log });

    const rows: Row[] = [];
    const raw: Record<string, unknown> = {};
    const load = (urls: readonly string[], request: LoadRequest, connections = args.connections) => measure(urls, request, connections, args, server);

    log('measuring the Fastify hello-world');
    const helloBefore = await measureHello(args, workDir);
    let argon2Rate: number | null = null;
    if (wants(args, 'token') || wants(args, 'healthz-under-token-flood')) {
      argon2Rate = await argon2VerificationsPerSecond(config, Math.max(1, Math.min(args.durationS, 5)));
      log(`raw argon2id: ${argon2Rate.toFixed(1)} verifications/s`);
    }

    log(`starting ${args.instances} server process(es) on one database (node ${[...startScriptNodeFlags(repoDir), ...serverEntry].join(' ')})`);
    server = serversOf([]);
    for (let i = 0; i < args.instances; i++) {
      const port = await freePort();
      server.children.push(
        await startChild({
          args: [...startScriptNodeFlags(repoDir), ...args.serverNodeFlags, ...serverEntry, 'serve'],
          env: { ...env, PORT: String(port) },
          port,
          logFile: path.join(workDir, `server-${i}.log`),
          probePath: '/api/v1/me',
          cwd: repoDir,
        }),
      );
    }
    server = serversOf(server.children);
    const urls = server.urls;
    const users = bank.users;
    const stack = await probeStack(urls[0]!, users[0]!.token, dataDir);
    log(`stack present: ${JSON.stringify(stack)}`);
    const bearer = (u: BenchUser) => ({ authorization: `Bearer ${u.token}` });
    const measured: Record<string, LoadFigures> = {};

    if (wants(args, 'transfers')) {
      log('POST /api/v1/transfers');
      measured.transfers = await load(urls, transferRequest(users));
    }
    if (wants(args, 'me')) {
      log('GET /api/v1/me');
      measured.me = await load(urls, { method: 'GET', path: '/api/v1/me', vary: () => ({ headers: bearer(pick(users)) }) });
    }
    for (const [name, size] of [
      ['history-1k', 1000],
      ['history-big', args.historySize],
    ] as const) {
      const subject = bank.histories.get(size);
      if (!wants(args, name) || !subject) continue;
      log(`GET /api/v1/accounts/{id}/transactions (${size} entries)`);
      measured[name] = await load(urls, { method: 'GET', path: `/api/v1/accounts/${subject.accountId}/transactions`, headers: bearer(subject) });
    }
    let dashboardNote = '';
    if (wants(args, 'dashboard')) {
      const session = await browserSession(urls[0]!, users[1]!.username, BENCH_PASSWORD);
      if ('cookie' in session) {
        log('GET /dashboard');
        measured.dashboard = await load(urls, { method: 'GET', path: '/dashboard', headers: { cookie: session.cookie } });
      } else {
        dashboardNote = `skipped: ${session.skipped}`;
        log(`GET /dashboard ${dashboardNote}`);
      }
    }
    const tokenRequest: LoadRequest = {
      method: 'POST',
      path: '/api/v1/auth/token',
      headers: { 'content-type': 'application/json' },
      vary: () => ({ body: JSON.stringify({ username: pick(users).username, password: BENCH_PASSWORD }) }),
    };
    if (wants(args, 'token')) {
      log('POST /api/v1/auth/token');
      measured.token = await load(urls, tokenRequest);
    }
    let healthzNote = '';
    if (wants(args, 'healthz-under-token-flood')) {
      if (stack.healthz) {
        log('GET /healthz while the token endpoint is flooded');
        const [flood, health] = await Promise.all([
          load(urls, tokenRequest),
          new Promise<void>((resolve) => setTimeout(resolve, 500)).then(() =>
            runLoad(urls[0]!, { method: 'GET', path: '/healthz' }, { connections: 1, durationS: Math.max(0.5, args.durationS - 1), maxRate: args.maxRate }),
          ),
        ]);
        measured['healthz-under-token-flood'] = health;
        raw.tokenDuringHealthProbe = flood;
      } else {
        healthzNote = 'skipped: GET /healthz not present yet';
        log(`GET /healthz ${healthzNote}`);
      }
    }
    const peakRssPerProcess = server.peakRssBytes();
    const peakRss = peakRssPerProcess.some((b) => b !== null) ? Math.max(...peakRssPerProcess.map((b) => b ?? 0)) : null;
    await server.stop();
    const serverLogs = server.children.map((c) => c.logFile);
    server = undefined;

    log('measuring the Fastify hello-world again');
    const helloAfter = await measureHello(args, workDir);
    const helloRps = (helloBefore.requestsPerSecond + helloAfter.requestsPerSecond) / 2;

    rows.push(
      row(
        'GET / Fastify hello-world (reference)',
        { ...helloBefore, requestsPerSecond: helloRps },
        1,
        'x hello',
        'reference',
        null,
        `mean of ${helloBefore.requestsPerSecond.toFixed(0)} before, ${helloAfter.requestsPerSecond.toFixed(0)} after`,
      ),
    );
    // Hello-world's CPU per request over this scenario's: the ratio a server with a core of its own
    // would reach; far steadier than req/s when other work shares the machine.
    const helloCpu = mean([helloBefore.serverCpuUsPerRequest, helloAfter.serverCpuUsPerRequest]);
    const cpuRatioNote = (f: LoadFigures) =>
      [
        helloCpu && f.serverCpuUsPerRequest ? `CPU-cost ratio ${(helloCpu / f.serverCpuUsPerRequest).toFixed(2)}` : '',
        // Only where the scenario made ledger transactions: sealing and notices follow those.
        f.afterCommitUsPerRequest && f.afterCommitUsPerRequest.seal + f.afterCommitUsPerRequest.notices > 0
          ? `after commit (in the CPU columns): sealing ${f.afterCommitUsPerRequest.seal.toFixed(0)} us, notices ${f.afterCommitUsPerRequest.notices.toFixed(0)} us per request`
          : '',
      ]
        .filter(Boolean)
        .join('; ');
    const vsHello = (name: string, label: string, min: number, extra?: (f: LoadFigures) => { ok: boolean; text: string }) => {
      const f = measured[name];
      if (!f) return;
      const ratio = f.requestsPerSecond / helloRps;
      const more = extra?.(f);
      rows.push(row(label, f, ratio, 'x hello', `>= ${min}${more ? `, ${more.text}` : ''}`, ratio >= min && (more?.ok ?? true), cpuRatioNote(f)));
    };
    const durabilityNote = args.backend === 'sqlite' ? 'SQLite synchronous=FULL' : 'PostgreSQL';
    // Issue 17's targets: transfers >= 0.20 of the hello-world (SQLite, p99 <= 25 ms, server CPU
    // <= 8x the hello-world's per request), >= 0.12 on PostgreSQL; /me >= 0.30; dashboard >= 0.10.
    const cpuWithin = (times: number) => (f: LoadFigures) => ({
      ok: helloCpu !== null && (f.serverCpuUsPerRequest ?? Infinity) <= times * helloCpu,
      text: `CPU <= ${times}x hello`,
    });
    vsHello('transfers', `POST /api/v1/transfers (${durabilityNote})`, args.backend === 'sqlite' ? 0.2 : 0.12, (f) => {
      const cpu = cpuWithin(8)(f);
      return args.backend === 'sqlite' ? { ok: cpu.ok && f.p99Ms <= 25, text: `p99 <= 25 ms, ${cpu.text}` } : cpu;
    });
    vsHello('me', 'GET /api/v1/me', 0.3);
    if (measured.dashboard) vsHello('dashboard', 'GET /dashboard (session cookie)', 0.1);
    else if (wants(args, 'dashboard')) rows.push(skipped('GET /dashboard (session cookie)', '>= 0.10', dashboardNote));
    const h1k = measured['history-1k'];
    const hBig = measured['history-big'];
    if (h1k)
      rows.push(
        row('GET .../transactions, 1,000 entries', h1k, h1k.requestsPerSecond / helloRps, 'x hello', 'reference for the next row', null, cpuRatioNote(h1k)),
      );
    if (hBig) {
      const growth = h1k ? hBig.p99Ms / h1k.p99Ms : null;
      rows.push(
        row(
          `GET .../transactions, ${args.historySize.toLocaleString('en-US')} entries`,
          hBig,
          hBig.requestsPerSecond / helloRps,
          'x hello',
          'p99 <= 1.5x the 1,000 row',
          growth === null ? null : growth <= 1.5,
          growth === null ? '' : `p99 is ${growth.toFixed(2)}x the 1,000 row`,
        ),
      );
    }
    if (measured.token && argon2Rate) {
      const ratio = measured.token.requestsPerSecond / argon2Rate;
      rows.push(
        row('POST /api/v1/auth/token (argon2id)', measured.token, ratio, 'x raw argon2id', '>= 0.9', ratio >= 0.9, `raw argon2id ${argon2Rate.toFixed(1)}/s`),
      );
    }
    const hz = measured['healthz-under-token-flood'];
    if (hz) rows.push(row('GET /healthz during token flood (1 connection)', hz, null, '', 'p99 < 10 ms', hz.p99Ms < 10, ''));
    else if (wants(args, 'healthz-under-token-flood')) rows.push(skipped('GET /healthz during token flood', 'p99 < 10 ms', healthzNote));
    const rssMb = peakRss === null ? null : peakRss / 1024 / 1024;
    rows.push({
      scenario: 'peak RSS of the server (whole run)',
      requestsPerSecond: null,
      p50Ms: null,
      p99Ms: null,
      errors: null,
      cpuUsPerRequest: null,
      ratio: null,
      ratioTo: '',
      target: '<= 250 MB',
      met: rssMb === null ? null : rssMb <= 250,
      note:
        rssMb === null
          ? 'unavailable'
          : `${rssMb.toFixed(0)} MB${peakRssPerProcess.length > 1 ? ` (per process: ${peakRssPerProcess.map((b) => (b === null ? '?' : (b / 1048576).toFixed(0))).join(', ')} MB)` : ''}`,
    });

    const table = renderTable(rows);
    const stackLine = describeStack(stack);
    const header = `minibank bench, ${args.backend}, ${args.instances > 1 ? `${args.instances} server processes, ` : ''}${args.connections} connections, ${args.durationS} s per scenario, ${started.toISOString()}, ${os.cpus().length} CPUs, node ${process.version}, server from ${args.server}`;
    console.log(`\n${header}\n${stackLine}\n\n${table}\n`);
    console.log('Ratios compare figures taken minutes apart on one machine; absolute req/s on a shared machine are noisy.');

    const serverSettings = {
      DB_POOL_SIZE: config.dbPoolSize,
      GROUP_COMMIT_MAX_BATCH: config.groupCommitMaxBatch,
      SQLITE_WAL_AUTOCHECKPOINT: config.sqliteWalAutocheckpoint,
      ARGON2_MAX_CONCURRENT: config.argon2MaxConcurrent,
      RATE_LIMITS: 'off',
    };
    const results = {
      started: started.toISOString(),
      args,
      serverSettings,
      stack,
      helloBefore,
      helloAfter,
      argon2VerificationsPerSecond: argon2Rate,
      measured,
      rows,
      peakRssBytes: peakRss,
      peakRssBytesPerProcess: peakRssPerProcess,
      seedTimingsMs: bank.timings,
      raw,
      host: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
    };
    if (args.resultsDir !== 'none') log(`results written to ${writeResults(path.resolve(repoDir, args.resultsDir), results, args.backend)}`);
    if (args.writeDocs) {
      recordInDocs(path.join(repoDir, 'docs/performance.md'), args.backend, `${header}\n\n${stackLine}\n\n${table}`);
      log('docs/performance.md updated');
    }
    for (const serverLog of serverLogs.filter((f) => fs.existsSync(f))) {
      const errors = fs
        .readFileSync(serverLog, 'utf8')
        .split('\n')
        .filter((l) => /"level":(50|60)/.test(l));
      if (errors.length) log(`the server logged ${errors.length} error line(s), first: ${errors[0]!.slice(0, 500)}`);
    }
  } finally {
    await cleanup();
  }
}

function mean(values: (number | null | undefined)[]): number | null {
  const present = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : null;
}

function describeStack(stack: StackParts): string {
  const part = (name: string, on: boolean) => `${name} ${on ? 'yes' : 'no'}`;
  return `Stack measured: ${[
    part('pages', stack.pages),
    part('/healthz', stack.healthz),
    part('/metrics', stack.metrics),
    part('access log', stack.accessLog),
    `security headers ${stack.securityHeaders.length ? stack.securityHeaders.join(', ') : 'none'}`,
    'rate limits off (RATE_LIMITS=off, as the contract allows for load tests)',
  ].join('; ')}.`;
}

function row(scenario: string, f: LoadFigures, ratio: number | null, ratioTo: string, target: string, met: boolean | null, note: string): Row {
  return {
    scenario,
    requestsPerSecond: f.requestsPerSecond,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms,
    errors: f.errors,
    cpuUsPerRequest: f.serverCpuUsPerRequest ?? null,
    databaseCpuUsPerRequest: f.databaseCpuUsPerRequest ?? null,
    ratio,
    ratioTo,
    target,
    met,
    note,
    peakRssMb: f.serverPeakRssMb ?? null,
  };
}

function skipped(scenario: string, target: string, note: string): Row {
  return {
    scenario,
    requestsPerSecond: null,
    p50Ms: null,
    p99Ms: null,
    errors: null,
    cpuUsPerRequest: null,
    ratio: null,
    ratioTo: '',
    target,
    met: null,
    note,
  };
}

async function measure(url: readonly string[], request: LoadRequest, connections: number, args: BenchArgs, target?: Servers): Promise<LoadFigures> {
  target?.startRssWindow();
  if (args.warmupS > 0) await runLoad(url, request, { connections, durationS: args.warmupS, maxRate: args.maxRate });
  // Every request of the run is built before it starts (load.ts): the generator's cost per request
  // is then the same for every scenario, and nothing it does is counted in the server's CPU.
  const requests = buildRequests(url, request, { connections, durationS: args.durationS, maxRate: args.maxRate });
  const cpuBefore = target?.cpuSeconds() ?? null;
  // PostgreSQL's own work (statements, commits, migration 021's sealing rounds) is none of Node's.
  const databaseBefore = args.backend === 'postgres' && target ? postgresCpuUs() : null;
  const followBefore = target ? await ledgerFollowSeconds(target.urls) : null;
  const figures: LoadFigures = await runRaw(url, requests, { connections, durationS: args.durationS, cycle: !request.unique });
  const cpuAfter = target?.cpuSeconds() ?? null;
  const databaseUs = databaseBefore ? postgresCpuSpentUs(databaseBefore, postgresCpuUs()) : null;
  figures.databaseCpuUsPerRequest = databaseUs !== null && figures.total > 0 ? databaseUs / figures.total : null;
  const followAfter = followBefore ? await ledgerFollowSeconds(target!.urls) : null;
  // The work trails its transfers by up to a tick; the warm-up's spills in as much as the run's spills out.
  figures.afterCommitUsPerRequest =
    followBefore && followAfter && figures.total > 0
      ? { seal: ((followAfter.seal - followBefore.seal) * 1e6) / figures.total, notices: ((followAfter.notices - followBefore.notices) * 1e6) / figures.total }
      : null;
  if (figures.ranOut) log(`  warning: the ${requests.length} prepared requests ran out before ${args.durationS} s; raise --max-rate`);
  figures.serverCpuUsPerRequest = cpuBefore !== null && cpuAfter !== null && figures.total > 0 ? ((cpuAfter - cpuBefore) * 1e6) / figures.total : null;
  const windowPeaks = target?.windowPeakRssBytes().map((b) => (b === null ? null : Math.round(b / 1048576)));
  figures.serverPeakRssMb = windowPeaks?.length ? Math.max(...windowPeaks.map((mb) => mb ?? 0)) : null;
  if (windowPeaks && windowPeaks.length > 1) figures.serverPeakRssMbPerProcess = windowPeaks;
  log(
    `  ${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, errors ${figures.errors}, server CPU ${figures.serverCpuUsPerRequest?.toFixed(0) ?? '?'} us/req${figures.databaseCpuUsPerRequest != null ? `, database CPU ${figures.databaseCpuUsPerRequest.toFixed(0)} us/req` : ''}${figures.afterCommitUsPerRequest ? `, after commit: sealing ${figures.afterCommitUsPerRequest.seal.toFixed(1)} us/req, notices ${figures.afterCommitUsPerRequest.notices.toFixed(1)} us/req` : ''}, peak RSS in this scenario ${figures.serverPeakRssMbPerProcess?.join('+') ?? figures.serverPeakRssMb ?? '?'} MB ${JSON.stringify(figures.statusCodes)}`,
  );
  return figures;
}

async function measureHello(args: BenchArgs, workDir: string): Promise<LoadFigures> {
  const port = await freePort();
  const hello = await startChild({
    args: [path.join(benchDir, 'hello-world.mjs')],
    env: { ...process.env, PORT: String(port), NODE_ENV: 'production' },
    port,
    logFile: path.join(workDir, 'hello.log'),
    probePath: '/',
    cwd: repoDir,
  });
  try {
    return await measure([hello.url], { method: 'GET', path: '/' }, args.connections, args, serversOf([hello]));
  } finally {
    await hello.stop();
  }
}

/**
 * The `node` flags of package.json's `start` script (for example a heap setting, docs/performance.md
 * "Memory"), so the server measured runs as `npm start` runs it.
 */

/** Compiles the server so the numbers are those of `npm start`; falls back to tsx if it cannot. */
function prepareServerBuild(args: BenchArgs): string[] {
  const tsx = ['--import', 'tsx', path.join(repoDir, 'src/cli/main.ts')];
  if (args.server === 'tsx') return tsx;
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoDir, encoding: 'utf8' });
  const entry = path.join(repoDir, 'dist/cli/main.js');
  if (build.status !== 0) {
    if (!fs.existsSync(entry)) {
      log(`npm run build failed and there is no dist; running the sources with tsx instead:\n${build.stdout}${build.stderr}`);
      args.server = 'tsx';
      return tsx;
    }
    log(`warning: npm run build reported errors (the compiled files were still written):\n${(build.stdout + build.stderr).slice(0, 2000)}`);
  }
  return [entry];
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
