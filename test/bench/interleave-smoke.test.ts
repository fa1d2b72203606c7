/**
 * bench/interleave.ts is not part of `npm test` (its figures depend on the machine), but this tiny
 * run proves it starts two variants side by side, gives each its slices, and tells them apart: the
 * variant with the chain sealer off reports no sealing, the other some. It never asserts a timing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('bench/interleave.ts (smoke)', () => {
  it('runs two SQLite variants in turns, in two sittings, and prints a row per cycle and variant, then the ratios', { timeout: 240_000 }, () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/interleave.ts',
        '--server',
        'tsx',
        '--cycles',
        '2',
        '--sittings',
        '2',
        '--slice',
        '0.7',
        '--connections',
        '4',
        '--accounts',
        '20',
        '--max-rate',
        '3000',
        '--variant',
        'sealer on',
        '--variant',
        'sealer off,CHAIN_SEAL_MAX_DELAY_MS=0',
      ],
      { encoding: 'utf8', timeout: 220_000, env: { ...process.env, NODE_ENV: 'test' } },
    );
    assert.equal(run.status, 0, `interleave failed:\n${run.stdout}\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /warning:/, 'every transfer answered 2xx and none ran out');
    const rows = run.stdout.split('\n').filter((l) => /^\| \d+ \| \d+ \| sealer (on|off) \|/.test(l));
    assert.equal(rows.length, 8, `two sittings of two cycles of two slices:\n${run.stdout}`);
    // Each cycle starts one variant later: cycle 1 "on" first, cycle 2 "off" first; then the same again.
    assert.deepEqual(
      rows.map((l) =>
        l
          .split('|')
          .slice(1, 4)
          .map((c) => c.trim())
          .join(' '),
      ),
      ['1 1 sealer on', '1 1 sealer off', '1 2 sealer off', '1 2 sealer on', '2 1 sealer on', '2 1 sealer off', '2 2 sealer off', '2 2 sealer on'],
    );
    const summary = (label: string) =>
      run.stdout
        .split('\n')
        .find((l) => l.startsWith(`| ${label} |`))
        ?.split('|')
        .map((c) => c.trim());
    const on = summary('sealer on');
    const off = summary('sealer off');
    assert.ok(on && off, `no summary rows:\n${run.stdout}`);
    // Cells (after the empty one before the first bar): variant, req/s, Node us, of which system,
    // database us, total CPU us, sealing us, notices us, ratio, middle half, interval, sittings, req/s ratio.
    assert.equal(on[1], 'sealer on');
    assert.ok(Number(on[3]) > 0 && Number(on[7]) > 0, `the sealer's variant used CPU and sealed: ${on.join(' | ')}`);
    assert.equal(Number(off[7]), 0, `no sealing with the sealer off: ${off.join(' | ')}`);
    assert.match(off[9]!, /^[+-]\d+\.\d %$/, 'a ratio against the first variant');
    assert.match(off[11]!, /^[+-]\d+\.\d % to [+-]\d+\.\d %$/, 'a bootstrap interval for the median ratio');
    assert.match(off[12]!, /^[+-]\d+\.\d %, [+-]\d+\.\d %$/, "each sitting's median ratio");
  });
});
