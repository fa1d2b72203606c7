/**
 * The Jepsen-style bank test as part of `npm test`: a standard short run per configuration (about
 * a minute each, bounded), each of which must end with zero violations. Longer runs:
 * `npm run chaos -- --seconds 600` (see docs/reliability.md). CHAOS_SEED and CHAOS_SECONDS override
 * the standard seed and length, to reproduce a failure seen elsewhere.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { postgresAvailable } from '../helpers/postgres.js';
import { DEFAULT_REDIS_URL, runCrossInstanceChecks } from './cross-instance.js';
import { ARTIFACTS_DIR, defaultMinKills, resolveOptions, type ChaosOptions } from './options.js';
import { LOAD_CAP_FACTOR, runChaos, type ChaosVerdict } from './run-chaos.js';
import { redisAvailable } from './services.js';

const seconds = Number(process.env.CHAOS_SECONDS ?? 60);
const seedOr = (standard: number) => (process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : standard);
// Time for the load at its longest (it stretches until the kills are in) plus setup and settling.
const budgetMs = (s: number) => (s * LOAD_CAP_FACTOR + 240) * 1000;

/**
 * Runs that once found a real fault, kept with their seed so the fault stays fixed. Each entry
 * names what it caught; pg-connection-loss.test.ts pins the same fault down deterministically.
 */
export const REGRESSION_RUNS: { why: string; options: Partial<ChaosOptions> }[] = [
  {
    why: 'a server crashed when PostgreSQL ended its session while it was paused inside a transaction (seed 90)',
    options: {
      backend: 'postgres',
      instances: 2,
      seconds: 30,
      minKills: 3,
      timeoutMs: 2500,
      seed: 90,
      pgOptions: '-c idle_in_transaction_session_timeout=1000',
    },
  },
];

async function standardRun(partial: Partial<ChaosOptions>): Promise<ChaosVerdict> {
  const options = resolveOptions({ seconds, verbose: false, ...partial });
  const verdict = await runChaos(options);
  console.log(verdict.summary);
  assert.deepEqual(
    verdict.result.violations.map((v) => `[${v.check}] ${v.message}`),
    [],
    `violations found; reproduce with: npm run chaos -- --backend ${options.backend} --instances ${options.instances} --seconds ${options.seconds} --seed ${options.seed}`,
  );
  const t = verdict.stats.transfers;
  // The run must have exercised what it claims to: faults, acknowledged and refused transfers, retries.
  assert.ok(verdict.stats.faults.kills >= options.minKills, `only ${verdict.stats.faults.kills} kills, wanted ${options.minKills}`);
  assert.ok(verdict.stats.faults.pauses >= 1, 'no SIGSTOP/SIGCONT pause was injected');
  if (options.backend === 'sqlite') assert.ok(verdict.stats.faults.workerKills >= 1, 'no movement worker was killed mid-batch');
  assert.ok(t.final.ok > 0 && t.final.fail > 0, `transfers acknowledged ${t.final.ok}, refused ${t.final.fail}`);
  assert.ok(t.inlineRetries + t.resolveRetries > 0, 'no transfer was ever retried with its key');
  return verdict;
}

describe('the bank under kill -9, SIGSTOP and client retries (Jepsen-style bank test)', () => {
  it(
    `keeps every acknowledged transfer exactly once and the total unchanged on SQLite while one server is killed ${defaultMinKills(1, seconds)}+ times`,
    { timeout: budgetMs(seconds) },
    async () => {
      await standardRun({ backend: 'sqlite', instances: 1, seed: seedOr(20261123) });
    },
  );

  it(
    `keeps every acknowledged transfer exactly once and the total unchanged on two PostgreSQL instances killed ${defaultMinKills(2, seconds)}+ times in turn`,
    { timeout: budgetMs(seconds) },
    async (t) => {
      if (!(await postgresAvailable())) return t.skip('PostgreSQL is not available');
      await standardRun({ backend: 'postgres', instances: 2, seed: seedOr(20261124) });
    },
  );

  for (const regression of REGRESSION_RUNS) {
    it(`still passes the run that caught: ${regression.why}`, { timeout: budgetMs(regression.options.seconds ?? seconds) }, async (t) => {
      if (regression.options.backend === 'postgres' && !(await postgresAvailable())) return t.skip('PostgreSQL is not available');
      await standardRun(regression.options);
    });
  }

  it('shares token revocation, web sessions and the login rate limit between two instances on one PostgreSQL and Redis', { timeout: 120_000 }, async (t) => {
    if (!(await postgresAvailable())) return t.skip('PostgreSQL is not available');
    if (!(await redisAvailable())) return t.skip('Redis is not available');
    const results = await runCrossInstanceChecks({
      seed: seedOr(20261125),
      outDir: path.join(ARTIFACTS_DIR, 'cross-instance'),
      redisUrl: DEFAULT_REDIS_URL,
      server: 'bundle',
    });
    for (const r of results) console.log(`${r.status.toUpperCase()}: ${r.name} (${r.detail})`);
    const todo = results.filter((r) => r.status === 'todo');
    if (todo.length) t.diagnostic(`todo: ${todo.map((r) => r.name).join('; ')}`);
    assert.deepEqual(
      results.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.detail}`),
      [],
    );
    assert.ok(results.some((r) => r.status === 'pass'));
  });
});
