/**
 * `npm run bench` is not part of `npm test` (it takes minutes and its figures depend on the
 * machine), but this tiny run of it proves it still starts, seeds, drives every scenario and prints
 * its table. It never asserts a timing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('npm run bench (smoke)', () => {
  it('runs every scenario on SQLite with tiny durations and prints one table with a row for each', { timeout: 240_000 }, () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/run.ts',
        '--server',
        'tsx',
        '--duration',
        '0.5',
        '--warmup',
        '0',
        '--connections',
        '4',
        '--accounts',
        '20',
        '--history-size',
        '3000',
        '--results',
        'none',
      ],
      { encoding: 'utf8', timeout: 220_000, env: { ...process.env, NODE_ENV: 'test' } },
    );
    assert.equal(run.status, 0, `bench failed:\n${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    assert.match(out, /\| scenario \| req\/s \| p50 ms \| p99 ms \| errors \|/);
    for (const row of [
      'GET / Fastify hello-world (reference)',
      'POST /api/v1/transfers (SQLite synchronous=FULL)',
      'GET /api/v1/me',
      'GET /dashboard (session cookie)',
      'GET .../transactions, 1,000 entries',
      'GET .../transactions, 3,000 entries',
      'POST /api/v1/auth/token (argon2id)',
      'GET /healthz during token flood',
      'peak RSS of the server (whole run)',
    ]) {
      assert.ok(out.includes(`| ${row}`), `missing row "${row}" in:\n${out}`);
    }
    // Every measured request succeeded: the seeding gave the bench working tokens and accounts.
    const transfers = out.split('\n').find((l) => l.startsWith('| POST /api/v1/transfers'));
    assert.equal(transfers?.split('|')[5]?.trim(), '0', `transfers had errors: ${transfers}`);
  });
});
