/**
 * Command-line flags of `npm run bench`. Every figure the bench prints depends on these, so they are
 * echoed into the results JSON too.
 */
import type { Dialect } from '../../src/storage/storage.js';

export const SCENARIOS = ['transfers', 'me', 'history-1k', 'history-big', 'dashboard', 'token', 'healthz-under-token-flood'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchArgs {
  backend: Dialect;
  connections: number;
  /** Seconds each measured scenario runs. */
  durationS: number;
  /** Seconds of unmeasured load before each scenario, so the JIT has warmed up. */
  warmupS: number;
  only: ScenarioName[] | null;
  /** Entries of the "big" history account (the issue asks for 1,000,000). */
  historySize: number;
  accounts: number;
  /** `dist` runs the compiled server (after `npm run build`); `tsx` runs the sources. */
  server: 'dist' | 'tsx';
  pgUrl: string;
  /** Where the results JSON goes; `none` writes nothing (the smoke test). */
  resultsDir: string;
  /** Rewrite the table in docs/performance.md. */
  writeDocs: boolean;
  /** Extra `node` flags for the server child (for example --cpu-prof). */
  serverNodeFlags: string[];
  /** Requests per second a scenario of one-use requests (transfers) is built for, before its run. */
  maxRate: number;
  /** Server processes on the same database, connections spread round-robin (issue 17 item 5). */
  instances: number;
}

const USAGE = `Usage: npm run bench -- [flags]
  --backend sqlite|postgres   database under test (default sqlite)
  --connections N             keep-alive connections (default 50)
  --max-rate N                transfers built before each run, per second of it (default 10000)
  --duration S                seconds per scenario (default 10)
  --warmup S                  unmeasured seconds before each scenario (default 2)
  --only a,b                  run only these scenarios: ${SCENARIOS.join(', ')}
  --history-size N            entries on the big history account (default 1000000)
  --accounts N                payer/payee accounts (default 1000)
  --server dist|tsx           compiled server (default; runs npm run build) or sources via tsx
  --pg-url URL                PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
  --results DIR|none          where to write the results JSON (default bench/results)
  --write-docs                record the table in docs/performance.md
  --server-node-flag F        pass F to the server's node (repeatable), e.g. --cpu-prof
  --instances N               server processes on the same database (default 1); connections
                              round-robin, CPU per request summed over them, peak RSS per process`;

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    backend: 'sqlite',
    connections: 50,
    durationS: 10,
    warmupS: 2,
    only: null,
    historySize: 1_000_000,
    accounts: 1000,
    server: 'dist',
    pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    resultsDir: 'bench/results',
    writeDocs: false,
    serverNodeFlags: [],
    maxRate: 10_000,
    instances: 1,
  };
  const number = (flag: string, raw: string | undefined, min: number): number => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${flag} needs a number >= ${min}\n\n${USAGE}`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    switch (flag) {
      case '--backend': {
        const v = value();
        if (v !== 'sqlite' && v !== 'postgres') throw new Error(`--backend must be sqlite or postgres\n\n${USAGE}`);
        args.backend = v;
        break;
      }
      case '--connections':
        args.connections = Math.trunc(number(flag, value(), 1));
        break;
      case '--instances':
        args.instances = Math.trunc(number(flag, value(), 1));
        break;
      case '--max-rate':
        args.maxRate = Math.trunc(number(flag, value(), 1));
        break;
      case '--duration':
        args.durationS = number(flag, value(), 0.1);
        break;
      case '--warmup':
        args.warmupS = number(flag, value(), 0);
        break;
      case '--history-size':
        args.historySize = Math.trunc(number(flag, value(), 1));
        break;
      case '--accounts':
        args.accounts = Math.trunc(number(flag, value(), 2));
        break;
      case '--only': {
        const names = (value() ?? '').split(',').filter(Boolean);
        for (const n of names) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario "${n}"\n\n${USAGE}`);
        args.only = names as ScenarioName[];
        break;
      }
      case '--server': {
        const v = value();
        if (v !== 'dist' && v !== 'tsx') throw new Error(`--server must be dist or tsx\n\n${USAGE}`);
        args.server = v;
        break;
      }
      case '--pg-url':
        args.pgUrl = value() ?? '';
        break;
      case '--results':
        args.resultsDir = value() ?? 'none';
        break;
      case '--write-docs':
        args.writeDocs = true;
        break;
      case '--server-node-flag':
        args.serverNodeFlags.push(value() ?? '');
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag "${flag}"\n\n${USAGE}`);
    }
  }
  return args;
}

export const wants = (args: BenchArgs, name: ScenarioName): boolean => args.only === null || args.only.includes(name);
