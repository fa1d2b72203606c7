/**
 * The chaos harness's command line: `npm run chaos -- [--backend sqlite|postgres] [--instances 1|2]
 * [--seconds N] [--clients K] [--seed S] [--users U] [--min-kills N] [--timeout-ms T] [--server bundle|tsx]
 * [--pg-options OPTS] [--out DIR] [--keep] [--quiet]`.
 */
import path from 'node:path';
import type { ServerMode } from './server-build.js';

export type Backend = 'sqlite' | 'postgres';

export interface ChaosOptions {
  backend: Backend;
  instances: 1 | 2;
  seconds: number;
  clients: number;
  seed: number;
  /** How many users (8 to 16) share the money. */
  users: number;
  /** The nemesis speeds up to inject at least this many kill -9s during the load. */
  minKills: number;
  /** Client-side timeout of one request; a pause always lasts longer than this. */
  timeoutMs: number;
  /** Where the JSON report, the SVG plot and the server logs go. */
  outDir: string;
  /** Keep the data directory or database after the run (for a post-mortem). */
  keep: boolean;
  /** PostgreSQL session settings for the servers' connections (libpq `options`, e.g. "-c lock_timeout=2000"). */
  pgOptions: string;
  /** How servers are launched: a one-off esbuild bundle of src (fast restarts) or tsx on the sources. */
  server: ServerMode;
  /** Print progress lines while running. */
  verbose: boolean;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
/** Ignored by git (.gitignore: test-artifacts/). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts', 'chaos');

export function defaultMinKills(instances: number, seconds: number): number {
  // The standard 60-second runs promise at least 20 kills on one instance and 10 on two.
  return Math.max(1, Math.ceil(seconds / (instances === 1 ? 3 : 6)));
}

export function resolveOptions(partial: Partial<ChaosOptions>): ChaosOptions {
  const backend = partial.backend ?? 'sqlite';
  const instances = partial.instances ?? 1;
  const seconds = partial.seconds ?? 60;
  const seed = partial.seed ?? Date.now() % 1_000_000_000;
  const options: ChaosOptions = {
    backend,
    instances,
    seconds,
    clients: partial.clients ?? 16,
    seed,
    users: partial.users ?? 10,
    minKills: partial.minKills ?? defaultMinKills(instances, seconds),
    timeoutMs: partial.timeoutMs ?? 1500,
    outDir: partial.outDir ?? path.join(ARTIFACTS_DIR, `${backend}-${instances}x-seed${seed}`),
    keep: partial.keep ?? false,
    server: partial.server ?? 'bundle',
    pgOptions: partial.pgOptions ?? '',
    verbose: partial.verbose ?? true,
  };
  validate(options);
  return options;
}

function validate(o: ChaosOptions): void {
  const fail = (message: string) => {
    throw new UsageError(message);
  };
  if (o.backend !== 'sqlite' && o.backend !== 'postgres') fail(`--backend must be sqlite or postgres, got ${String(o.backend)}`);
  if (o.instances !== 1 && o.instances !== 2) fail(`--instances must be 1 or 2, got ${String(o.instances)}`);
  if (!Number.isInteger(o.seconds) || o.seconds < 5 || o.seconds > 24 * 3600) fail('--seconds must be a whole number from 5 to 86400');
  if (!Number.isInteger(o.clients) || o.clients < 1 || o.clients > 256) fail('--clients must be a whole number from 1 to 256');
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) fail('--seed must be a whole number from 0 to 4294967295');
  if (!Number.isInteger(o.users) || o.users < 8 || o.users > 16) fail('--users must be a whole number from 8 to 16');
  if (!Number.isInteger(o.minKills) || o.minKills < 0) fail('--min-kills must be a whole number');
  if (!Number.isInteger(o.timeoutMs) || o.timeoutMs < 200 || o.timeoutMs > 60_000) fail('--timeout-ms must be from 200 to 60000');
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const numeric = new Set(['--instances', '--seconds', '--clients', '--seed', '--users', '--min-kills', '--timeout-ms']);

export function parseArgs(argv: string[]): ChaosOptions {
  const partial: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const [flag, inline] = raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    if (flag === '--keep') {
      partial.keep = true;
      continue;
    }
    if (flag === '--quiet') {
      partial.verbose = false;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (numeric.has(flag)) {
      if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, got "${value}"`);
    }
    switch (flag) {
      case '--backend':
        partial.backend = value;
        break;
      case '--instances':
        partial.instances = Number(value);
        break;
      case '--seconds':
        partial.seconds = Number(value);
        break;
      case '--clients':
        partial.clients = Number(value);
        break;
      case '--seed':
        partial.seed = Number(value);
        break;
      case '--users':
        partial.users = Number(value);
        break;
      case '--min-kills':
        partial.minKills = Number(value);
        break;
      case '--timeout-ms':
        partial.timeoutMs = Number(value);
        break;
      case '--pg-options':
        partial.pgOptions = value;
        break;
      case '--server':
        partial.server = value;
        break;
      case '--out':
        partial.outDir = path.resolve(value);
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return resolveOptions(partial);
}
