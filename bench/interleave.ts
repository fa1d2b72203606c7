/**
 * Before/after on transfers, with the variants' servers running side by side and taking turns: each
 * variant is built, seeded and started once, then every cycle gives each one a short slice of the
 * same transfer load (A B, B A, A B... with more variants, each cycle starts one later). Neighbouring
 * slices a few seconds apart see the same machine, so the slow drifts of a shared machine, which
 * made whole bench runs minutes apart differ by 15-20 % (docs/performance.md "Round 2, fourth
 * session"), fall on every variant alike; and the many short slices give a ratio per cycle, whose
 * median and spread are printed.
 *
 * The cost of a variant in a cycle is all the CPU it used over the whole cycle, per transfer it
 * answered in its slice: its Node process (so work that trails its slice, as the chain sealer's
 * does, still counts as its own) plus, on PostgreSQL, its database's backends (by pid, from
 * pg_stat_activity) and the shared processes' CPU (checkpointer, WAL writer) during its slice.
 *
 *   npx tsx bench/interleave.ts [--backend postgres] [--cycles 15] [--slice 4] \
 *     --variant 'seal only@/tmp/wt-sealonly' --variant 'sealer off,CHAIN_SEAL_MAX_DELAY_MS=0'
 *
 * A variant is `label[@dir][,KEY=VALUE...]` (bench/lib/variant-server.ts); the first is the reference.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendDatabases, databaseCpuBetween, readCpu, sharedCpuBetween, type BackendDatabases, type CpuReading } from './lib/cpu-readings.js';
import { ledgerFollowSeconds, type FollowSeconds } from './lib/ledger-follow.js';
import { buildRequests } from './lib/load.js';
import { runRaw } from './lib/raw-load.js';
import { transferRequest } from './lib/transfer-request.js';
import { parseVariant, startVariant, type RunningVariant, type Variant } from './lib/variant-server.js';

interface Options {
  variants: Variant[];
  backend: 'sqlite' | 'postgres';
  pgUrl: string;
  cycles: number;
  /** Times every server is started afresh for `cycles` cycles (a process's own luck lasts its life). */
  sittings: number;
  sliceS: number;
  connections: number;
  accounts: number;
  maxRate: number;
  server: 'dist' | 'tsx';
}

/** One variant's figures in one cycle (CPU per transfer in us). */
interface SliceFigures {
  transfers: number;
  requestsPerSecond: number;
  nodeUs: number;
  /** The kernel's part of nodeUs. */
  nodeSystemUs: number;
  databaseUs: number;
  sealUs: number;
  noticesUs: number;
}

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const log = (line: string) => console.error(line);

const USAGE = `Usage: npx tsx bench/interleave.ts --variant SPEC --variant SPEC [...] [flags]
  --variant label[@dir][,KEY=VALUE...]  a server to compare (the first is the reference)
  --backend sqlite|postgres   database (default sqlite)
  --cycles N                  measured cycles per sitting, each a slice per variant (default 15)
  --sittings N                times every server is started afresh for its cycles (default 1)
  --slice S                   seconds of load per slice (default 4)
  --connections N             keep-alive connections (default 50)
  --accounts N                payer/payee accounts per variant (default 1000)
  --max-rate N                transfers built per second of a slice (default 5000)
  --pg-url URL                PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
  --server dist|tsx           each checkout compiled (default; npm run build) or its sources via tsx`;

function parse(argv: string[]): Options {
  const o: Options = {
    variants: [],
    backend: 'sqlite',
    pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    cycles: 15,
    sittings: 1,
    sliceS: 4,
    connections: 50,
    accounts: 1000,
    maxRate: 5000,
    server: 'dist',
  };
  const numbers = {
    '--cycles': 'cycles',
    '--sittings': 'sittings',
    '--slice': 'sliceS',
    '--connections': 'connections',
    '--accounts': 'accounts',
    '--max-rate': 'maxRate',
  } as const;
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i]!, argv[i + 1] ?? ''];
    i++;
    if (flag === '--variant') o.variants.push(parseVariant(value, here));
    else if (flag === '--backend' && (value === 'sqlite' || value === 'postgres')) o.backend = value;
    else if (flag === '--pg-url') o.pgUrl = value;
    else if (flag === '--server' && (value === 'dist' || value === 'tsx')) o.server = value;
    else if (flag in numbers && Number(value) > 0) o[numbers[flag as keyof typeof numbers]] = Number(value);
    else throw new Error(`${flag} ${value}?\n${USAGE}`);
  }
  if (o.variants.length < 2) throw new Error(`give at least two --variant\n${USAGE}`);
  return o;
}

/** Runs one slice of transfers against `running`; returns the 2xx answers and req/s. */
async function slice(running: RunningVariant, o: Options): Promise<{ transfers: number; requestsPerSecond: number }> {
  const request = transferRequest(running.users);
  const requests = buildRequests(running.server.url, request, { connections: o.connections, durationS: o.sliceS, maxRate: o.maxRate });
  const f = await runRaw(running.server.url, requests, { connections: o.connections, durationS: o.sliceS, cycle: false });
  if (f.ranOut) log(`  warning: ${running.variant.label} ran out of prepared transfers; raise --max-rate`);
  if (f.errors > 0) log(`  warning: ${running.variant.label}: ${f.errors} errors ${JSON.stringify(f.statusCodes)}`);
  const ok = Object.entries(f.statusCodes).reduce((n, [code, count]) => (code.startsWith('2') ? n + count : n), 0);
  return { transfers: ok, requestsPerSecond: f.requestsPerSecond };
}

/**
 * One cycle: each variant's slice in `order`; returns each variant's figures (by index). Readings at
 * every slice boundary: Node and database backends over the whole cycle, shared processes per slice.
 */
async function cycle(running: RunningVariant[], order: number[], o: Options, databases: BackendDatabases | null): Promise<SliceFigures[]> {
  const servers = running.map((r) => r.server);
  const urls = running.map((r) => [r.server.url]);
  const own = new Set(running.flatMap((r) => (r.databaseName ? [r.databaseName] : [])));
  const readings: CpuReading[] = [await readCpu(servers, databases)];
  const followStart = await Promise.all(urls.map((u) => ledgerFollowSeconds(u)));
  const loads: { transfers: number; requestsPerSecond: number; sharedUs: number }[] = [];
  for (const i of order) {
    const load = await slice(running[i]!, o);
    readings.push(await readCpu(servers, databases));
    const [from, to] = [readings.at(-2)!, readings.at(-1)!];
    loads[i] = { ...load, sharedUs: databases ? sharedCpuBetween(from, to, own) : 0 };
  }
  const followEnd = await Promise.all(urls.map((u) => ledgerFollowSeconds(u)));
  const [first, last] = [readings[0]!, readings.at(-1)!];
  return running.map((r, i) => {
    const { transfers, requestsPerSecond, sharedUs } = loads[i]!;
    const n = Math.max(1, transfers);
    const nodeUs = (last.servers[i]! - first.servers[i]!) / n;
    const nodeSystemUs = (last.serversSystem[i]! - first.serversSystem[i]!) / n;
    const databaseUs = r.databaseName ? (databaseCpuBetween(first, last, r.databaseName) + sharedUs) / n : 0;
    const follow = (part: keyof FollowSeconds) => (((followEnd[i]?.[part] ?? 0) - (followStart[i]?.[part] ?? 0)) * 1e6) / n;
    return { transfers, requestsPerSecond, nodeUs, nodeSystemUs, databaseUs, sealUs: follow('seal'), noticesUs: follow('notices') };
  });
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const [lo, hi] = [Math.floor(at), Math.ceil(at)];
  return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
};
/**
 * A 90 % interval for the median of the ratios in `groups` (one group per sitting), by a two-level
 * percentile bootstrap (2,000 resamples: sittings with replacement, then cycles within each; Davison
 * and Hinkley, "Bootstrap Methods and their Application", section 3.8): with several sittings the
 * interval also covers how much a server process's own luck moves the ratio.
 */
function medianInterval(groups: number[][]): [number, number] {
  const any = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  const medians = Array.from({ length: 2000 }, () =>
    quantile(
      groups.map(() => any(groups)).flatMap((g) => g.map(() => any(g))),
      0.5,
    ),
  );
  return [quantile(medians, 0.05), quantile(medians, 0.95)];
}
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
const total = (f: SliceFigures) => f.nodeUs + f.databaseUs;

function report(variants: Variant[], sittings: SliceFigures[][][]): void {
  const cycles = sittings.reduce((n, s) => n + s[0]!.length, 0);
  console.log(
    `\nMedians over ${cycles} cycles in ${sittings.length} sitting(s); each variant against "${variants[0]!.label}" cycle by cycle: the median ratio, the middle half of the ratios, a 90 % bootstrap interval for the median, and each sitting's median:\n`,
  );
  console.log(
    '| variant | req/s | Node us | of which system | database us | total CPU us | sealing us | notices us | total CPU vs first | middle half | 90 % interval | sittings | req/s vs first |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  variants.forEach((v, i) => {
    const runs = sittings.flatMap((s) => s[i]!);
    const med = (pick: (f: SliceFigures) => number) => quantile(runs.map(pick), 0.5);
    // Each cycle's ratio to the first variant's slice of the same cycle, grouped by sitting.
    const ratios = (pick: (f: SliceFigures) => number) => sittings.map((s) => s[i]!.map((f, c) => pick(f) / pick(s[0]![c]!)));
    const cpu = ratios(total);
    const allCpu = cpu.flat();
    const cells = [
      med((f) => f.requestsPerSecond).toFixed(0),
      med((f) => f.nodeUs).toFixed(0),
      med((f) => f.nodeSystemUs).toFixed(0),
      med((f) => f.databaseUs).toFixed(0),
      med(total).toFixed(0),
      med((f) => f.sealUs).toFixed(1),
      med((f) => f.noticesUs).toFixed(1),
      pct(quantile(allCpu, 0.5)),
      `${pct(quantile(allCpu, 0.25))} to ${pct(quantile(allCpu, 0.75))}`,
      medianInterval(cpu).map(pct).join(' to '),
      cpu.map((r) => pct(quantile(r, 0.5))).join(', '),
      pct(quantile(ratios((f) => f.requestsPerSecond).flat(), 0.5)),
    ];
    console.log(`| ${v.label} | ${cells.join(' | ')} |`);
  });
}

/** Servers running now, for the SIGINT handler. */
const running: RunningVariant[] = [];

/**
 * One sitting: every variant's server started afresh, one unmeasured cycle, then `o.cycles` measured
 * ones (each printed); returns the figures by variant. The servers are stopped at the end.
 */
async function sitting(o: Options, number: number, databases: BackendDatabases | null): Promise<SliceFigures[][]> {
  try {
    for (const v of o.variants) {
      log(`sitting ${number}: building, seeding and starting "${v.label}" (${v.dir})`);
      running.push(await startVariant(v, { backend: o.backend, pgUrl: o.pgUrl, accounts: o.accounts, server: o.server }));
    }
    log('warming up: one unmeasured cycle');
    await cycle(
      running,
      running.map((_, i) => i),
      o,
      databases,
    );
    const byVariant = running.map(() => [] as SliceFigures[]);
    for (let c = 1; c <= o.cycles; c++) {
      const order = running.map((_, k) => (k + c - 1) % running.length);
      const figures = await cycle(running, order, o, databases);
      for (const i of order) {
        const f = figures[i]!;
        byVariant[i]!.push(f);
        const cells = [
          f.requestsPerSecond.toFixed(0),
          f.nodeUs.toFixed(0),
          f.nodeSystemUs.toFixed(0),
          f.databaseUs.toFixed(0),
          total(f).toFixed(0),
          f.sealUs.toFixed(1),
          f.noticesUs.toFixed(1),
        ];
        console.log(`| ${number} | ${c} | ${running[i]!.variant.label} | ${cells.join(' | ')} |`);
      }
    }
    return byVariant;
  } finally {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  }
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const databases = o.backend === 'postgres' ? await backendDatabases(o.pgUrl) : null;
  process.once('SIGINT', () => void Promise.all(running.map((r) => r.stop())).then(() => process.exit(130)));
  try {
    console.log(
      '| sitting | cycle | variant | req/s | Node us | of which system | database us | total CPU us | sealing us | notices us |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    const sittings: SliceFigures[][][] = [];
    for (let n = 1; n <= o.sittings; n++) sittings.push(await sitting(o, n, databases));
    report(o.variants, sittings);
  } finally {
    await databases?.close();
  }
}

await main();
