/**
 * One variant of the server for bench/interleave.ts: a checkout (this one or a git worktree with its
 * own node_modules) and extra environment, with its own data folder or PostgreSQL database, seeded
 * and built by that checkout's own code (so a variant with another schema seeds its own), then
 * started as `npm start` starts it and left running while the variants take turns under load.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPgDatabase } from './pg-database.js';
import { benchServerEnv, freePort, startChild, startScriptNodeFlags, type Child } from './processes.js';
import type { BenchUser } from './seed.js';

export interface Variant {
  label: string;
  /** The checkout whose build, seed and server run. */
  dir: string;
  env: Record<string, string>;
}

export interface RunningVariant {
  variant: Variant;
  server: Child;
  users: BenchUser[];
  /** The PostgreSQL database's name (null on SQLite): its backends' CPU is this variant's. */
  databaseName: string | null;
  stop(): Promise<void>;
}

/** Parses `label[@dir][,KEY=VALUE...]` (dir defaults to `defaultDir`); throws on a malformed one. */
export function parseVariant(spec: string, defaultDir: string): Variant {
  const [head, ...pairs] = spec.split(',');
  const [label, dir] = head!.split('@');
  if (!label) throw new Error(`a variant needs a label: ${spec}`);
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=VALUE in variant ${spec}: ${pair}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { label, dir: path.resolve(dir ?? defaultDir), env };
}

/**
 * Builds (unless `server` is 'tsx': the sources run through tsx), seeds (`accounts` payers with tokens, through the variant's bench/lib/seed.ts) and starts
 * the variant's server on a free port. Throws when the build, the seed or the start fails; on
 * failure everything made so far is removed.
 */
export async function startVariant(
  variant: Variant,
  options: { backend: 'sqlite' | 'postgres'; pgUrl: string; accounts: number; server: 'dist' | 'tsx' },
): Promise<RunningVariant> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-interleave-'));
  const database = options.backend === 'postgres' ? await createPgDatabase(options.pgUrl, 'minibank_interleave') : null;
  let server: Child | undefined;
  const stop = async () => {
    await server?.stop().catch(() => {});
    await database?.drop().catch(() => {});
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const env: NodeJS.ProcessEnv = { ...benchServerEnv(path.join(workDir, 'data'), database?.url ?? ''), ...variant.env };
    const entry = options.server === 'dist' ? build(variant) : ['--import', 'tsx', path.join(variant.dir, 'src/cli/main.ts')];
    const users = seed(variant, env, options.accounts);
    const port = await freePort();
    server = await startChild({
      args: [...startScriptNodeFlags(variant.dir), ...entry, 'serve'],
      env: { ...env, PORT: String(port) },
      port,
      logFile: path.join(workDir, 'server.log'),
      probePath: '/api/v1/me',
      cwd: variant.dir,
    });
    return { variant, server, users, databaseName: database?.name ?? null, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Compiles the checkout (its numbers are then those of `npm start`); returns the server's entry. */
function build(variant: Variant): string[] {
  const run = spawnSync('npm', ['run', '--silent', 'build'], { cwd: variant.dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npm run build failed in ${variant.dir}:\n${run.stdout}${run.stderr}`);
  return [path.join(variant.dir, 'dist/cli/main.js')];
}

/** Runs the variant's own seedBank in a child (its own migrations) and reads the users back as JSON. */
function seed(variant: Variant, env: NodeJS.ProcessEnv, accounts: number): BenchUser[] {
  const module = (file: string) => JSON.stringify(pathToFileURL(path.join(variant.dir, file)).href);
  const script = `
    const { seedBank } = await import(${module('bench/lib/seed.ts')});
    const { loadConfig } = await import(${module('src/config.ts')});
    const bank = await seedBank(loadConfig(process.env), { accounts: ${accounts}, historySizes: [], log: (l) => console.error(l) });
    process.stdout.write(JSON.stringify(bank.users));`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: variant.dir,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`seeding ${variant.label} failed:\n${run.stderr.slice(-3000)}`);
  return JSON.parse(run.stdout) as BenchUser[];
}
