/**
 * The README's curl block is the first thing a newcomer runs: it must work as written on a fresh
 * server with default settings (rate limits on). This test cuts the block out of README.md and runs
 * it with bash against a real server, then checks what each call answered.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, it } from 'node:test';
import { childEnv, ensureStopped, startChildServer, tempDataDir, type ChildServer } from './child-server.js';

const README = path.resolve(import.meta.dirname, '../../README.md');

/** The first ```sh block after "Use the API with curl", verbatim. */
function curlBlock(): string {
  const text = fs.readFileSync(README, 'utf8');
  const from = text.indexOf('Use the API with curl');
  assert.ok(from >= 0, 'README.md has no "Use the API with curl" section');
  const match = /```sh\n([\s\S]*?)```/.exec(text.slice(from));
  assert.ok(match?.[1], 'no sh block after "Use the API with curl"');
  return match[1];
}

let server: ChildServer | undefined;
after(() => ensureStopped(server));

it('runs the README curl block verbatim on a fresh server: sign-up, token, deposit, payee check and transfer all succeed', { timeout: 120_000 }, async () => {
  const dataDir = tempDataDir();
  server = await startChildServer(childEnv(dataDir, { RATE_LIMITS: 'on' }));
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', curlBlock()], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MINIBANK_URL: server.url },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `the block failed:\n${run.stdout}\n${run.stderr}`);
  // Every curl that prints prints one JSON object; together they are the story of the block.
  const answers = run.stdout
    .replace(/\}\s*\{/g, '}\n{')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
  assert.equal(answers.length, 5, run.stdout);
  const [alice, bob, deposit, payee, transfer] = answers;
  assert.equal(alice.user.username, 'alice');
  assert.equal(bob.user.username, 'bob');
  assert.equal(deposit.account.balance, 1250);
  assert.deepEqual(payee, { username: 'bob', account_number: bob.account.number });
  assert.equal(transfer.transaction.counterparty.username, 'bob');
  assert.equal(transfer.account.balance, 1000);
  fs.rmSync(dataDir, { recursive: true, force: true });
});
