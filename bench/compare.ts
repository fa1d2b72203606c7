/**
 * Before/after on the bench itself: runs `bench/run.ts` for several variants of the server, one after
 * the other in each round, each round starting one variant later (A B C, B C A, C A B, ...), so slow
 * drifts of a shared machine and the place in a round fall on every variant alike. Prints each
 * round's figures, the medians, and each variant's ratios to the first variant taken round by round
 * (the median of those).
 *
 * A variant is `label[@dir][,KEY=VALUE...]`: `dir` is a checkout (a git worktree with node_modules)
 * whose bench and build are run, this one by default; the KEY=VALUEs are added to the server's
 * environment (the bench passes its own environment on). For example the ledger chain's cost
 * (issue 16), with the sealer on and off:
 *
 *   npx tsx bench/compare.ts --backend postgres --rounds 5 --variant 'sealer on' --variant 'sealer off,CHAIN_SEAL_MAX_DELAY_MS=0'
 *
 * Every other flag (`--only`, `--duration`, `--history-size`...) is passed to bench/run.ts as given;
 * the default is `--only transfers --duration 8 --history-size 1000`. The cost column is the whole
 * CPU per request: the server's Node process plus, on PostgreSQL, the database's processes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseVariant, type Variant } from './lib/variant-server.js';

interface Figures {
  requestsPerSecond: number;
  p99Ms: number;
  serverCpuUs: number | null;
  databaseCpuUs: number | null;
  /** The server's own account of sealing and notices per request (bench/lib/ledger-follow.ts), us. */
  sealUs: number | null;
  noticesUs: number | null;
}

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

function parse(argv: string[]): { variants: Variant[]; rounds: number; scenario: string; benchArgs: string[] } {
  const variants: Variant[] = [];
  let rounds = 3;
  const benchArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--variant') variants.push(parseVariant(argv[++i] ?? '', here));
    else if (argv[i] === '--rounds') rounds = Number(argv[++i]);
    else benchArgs.push(argv[i]!);
  }
  if (variants.length < 2) throw new Error('give at least two --variant (the first is the reference)');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds needs a positive integer');
  if (!benchArgs.includes('--only')) benchArgs.push('--only', 'transfers');
  if (!benchArgs.includes('--duration')) benchArgs.push('--duration', '8');
  if (!benchArgs.includes('--history-size')) benchArgs.push('--history-size', '1000');
  const scenario = benchArgs[benchArgs.indexOf('--only') + 1]!.split(',')[0]!;
  return { variants, rounds, scenario, benchArgs };
}

/** One bench run of `variant`; its figures for `scenario`, read back from the results JSON. */
function runOnce(variant: Variant, scenario: string, benchArgs: string[]): Figures {
  const resultsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-compare-'));
  try {
    const run = spawnSync('npx', ['tsx', 'bench/run.ts', ...benchArgs, '--results', resultsDir], {
      cwd: variant.dir,
      env: { ...process.env, ...variant.env },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`bench failed for ${variant.label} (exit ${run.status}):\n${run.stderr.slice(-3000)}`);
    const file = fs.readdirSync(resultsDir).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`no results JSON from ${variant.label}`);
    const results = JSON.parse(fs.readFileSync(path.join(resultsDir, file), 'utf8')) as {
      measured: Record<
        string,
        {
          requestsPerSecond: number;
          p99Ms: number;
          serverCpuUsPerRequest?: number | null;
          databaseCpuUsPerRequest?: number | null;
          afterCommitUsPerRequest?: { seal: number; notices: number } | null;
        }
      >;
    };
    const m = results.measured[scenario];
    if (!m) throw new Error(`no ${scenario} figures from ${variant.label}`);
    return {
      requestsPerSecond: m.requestsPerSecond,
      p99Ms: m.p99Ms,
      serverCpuUs: m.serverCpuUsPerRequest ?? null,
      databaseCpuUs: m.databaseCpuUsPerRequest ?? null,
      sealUs: m.afterCommitUsPerRequest?.seal ?? null,
      noticesUs: m.afterCommitUsPerRequest?.notices ?? null,
    };
  } finally {
    fs.rmSync(resultsDir, { recursive: true, force: true });
  }
}

/** Node's CPU plus the database's, per request (us); null when the server's was not read. */
const totalCpu = (f: Figures): number | null => (f.serverCpuUs === null ? null : f.serverCpuUs + (f.databaseCpuUs ?? 0));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const us = (v: number | null) => (v === null ? '-' : v.toFixed(0));
const tenths = (v: number | null) => (v === null ? '-' : v.toFixed(1));
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;

function main(): void {
  const { variants, rounds, scenario, benchArgs } = parse(process.argv.slice(2));
  const byVariant = variants.map(() => [] as Figures[]);
  console.log(
    `| round | variant | req/s | p99 ms | server CPU us | database CPU us | total CPU us | sealing us | notices us |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |`,
  );
  for (let round = 1; round <= rounds; round++) {
    // Each round starts one variant later (A B C, B C A, C A B...): a variant that always ran last
    // (after two bench runs had warmed or tired the machine) would carry that in every ratio.
    const order = variants.map((_, k) => (k + round - 1) % variants.length);
    for (const i of order) {
      const variant = variants[i]!;
      const f = runOnce(variant, scenario, benchArgs);
      byVariant[i]!.push(f);
      const cells = [f.requestsPerSecond.toFixed(0), f.p99Ms, us(f.serverCpuUs), us(f.databaseCpuUs), us(totalCpu(f)), tenths(f.sealUs), tenths(f.noticesUs)];
      console.log(`| ${round} | ${variant.label} | ${cells.join(' | ')} |`);
    }
  }
  console.log(`\nMedians over ${rounds} round(s), and each variant against "${variants[0]!.label}" (the median of the round-by-round ratios):\n`);
  console.log(
    '| variant | req/s | total CPU us | sealing us | notices us | req/s vs first | total CPU vs first |\n| --- | --- | --- | --- | --- | --- | --- |',
  );
  variants.forEach((variant, i) => {
    const runs = byVariant[i]!;
    const rpsRatio = median(runs.map((f, r) => f.requestsPerSecond / byVariant[0]![r]!.requestsPerSecond));
    const cpuRatios = runs.flatMap((f, r) => {
      const [mine, first] = [totalCpu(f), totalCpu(byVariant[0]![r]!)];
      return mine !== null && first !== null ? [mine / first] : [];
    });
    const cpuText = cpuRatios.length ? pct(median(cpuRatios)) : '-';
    const medianOf = (pick: (f: Figures) => number | null) => {
      const present = runs.map(pick).filter((v): v is number => v !== null);
      return present.length ? median(present) : null;
    };
    const cells = [
      median(runs.map((f) => f.requestsPerSecond)).toFixed(0),
      us(medianOf(totalCpu)),
      tenths(medianOf((f) => f.sealUs)),
      tenths(medianOf((f) => f.noticesUs)),
    ];
    console.log(`| ${variant.label} | ${cells.join(' | ')} | ${pct(rpsRatio)} | ${cpuText} |`);
  });
}

main();
