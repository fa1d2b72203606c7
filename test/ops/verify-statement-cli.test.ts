/**
 * `minibank verify-statement` and `minibank statement-key` as an operator or a customer runs them
 * (issue 16 items 3 and 4): the real command in a child process, no database. Exit 0 for a sound
 * statement, 1 with a readable reason for a tampered one, 2 without a key to check against; a
 * rotation through the command keeps the old statement verifiable.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { UnsignedStatement } from '../../src/domain/statement.js';
import { statementKeyStore } from '../../src/services/statement-keys.js';
import { sealStatement } from '../../src/services/statement-signature.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-verify-statement-'));

function minibank(args: string[], env: Record<string, string> = {}) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: path.join(dir, 'data'), ...env },
    encoding: 'utf8',
  });
  return { code: res.status, out: res.stdout + res.stderr };
}

const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
};

const unsigned: Omit<UnsignedStatement, 'key_id'> = {
  account: { id: 'a1', number: '123456789012', currency: 'USD', holder: 'carol' },
  month: '2025-01',
  final: true,
  opening_balance: 1000,
  closing_balance: 1300,
  total_credits: 500,
  total_debits: 200,
  transactions: [
    {
      id: 't1',
      type: 'deposit',
      amount: 500,
      direction: 'credit',
      balance_after: 1500,
      currency: 'USD',
      memo: null,
      counterparty: null,
      created_at: '2025-01-02T00:00:00.000Z',
    },
    {
      id: 't2',
      type: 'withdrawal',
      amount: 200,
      direction: 'debit',
      balance_after: 1300,
      currency: 'USD',
      memo: 'cash',
      counterparty: null,
      created_at: '2025-01-03T00:00:00.000Z',
    },
  ],
  ledger_head: { seq: 7, hash: 'ab'.repeat(32) },
  issued_at: '2025-02-01T00:00:00.000Z',
};

describe('minibank verify-statement (child process, no database)', () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keyFile = path.join(dir, 'data', 'statement-key.json');

  it('exits 0 for a sound statement checked against the JWK Set given with --key', () => {
    const keys = statementKeyStore(keyFile);
    const statement = write('sound.json', sealStatement(keys, unsigned));
    const jwks = write('jwks.json', keys.jwks());
    const res = minibank(['verify-statement', statement, '--key', jwks]);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /statement is sound/);
    assert.equal(minibank(['verify-statement', statement, '--key', JSON.stringify(keys.jwks().keys[0])]).code, 0, 'a single JWK as text');
    assert.equal(minibank(['verify-statement', statement]).code, 0, 'the local key file without --key');
  });

  it('exits 1 naming the reason when a digit changed, and 2 without any key', () => {
    const keys = statementKeyStore(keyFile);
    const tampered = JSON.stringify(sealStatement(keys, unsigned)).replace('"amount":200', '"amount":300');
    const res = minibank(['verify-statement', write('tampered.json', tampered), '--key', write('jwks.json', keys.jwks())]);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /signature does not match/);
    assert.match(res.out, /running balance 1300 should be 1200/);
    const noKey = minibank(['verify-statement', write('t.json', tampered)], { DATA_DIR: path.join(dir, 'empty') });
    assert.equal(noKey.code, 2, noKey.out);
    assert.match(noKey.out, /\/\.well-known\/minibank\/statement-key/);
  });

  it('rotates the key with `minibank statement-key rotate`, and the old statement still verifies', () => {
    const keys = statementKeyStore(keyFile);
    const old = sealStatement(keys, unsigned);
    const rotated = minibank(['statement-key', 'rotate']);
    assert.equal(rotated.code, 0, rotated.out);
    assert.equal((fs.statSync(keyFile).mode & 0o777).toString(8), '600');
    const shown = minibank(['statement-key', 'show']);
    const jwks = JSON.parse(shown.out) as { keys: { kid: string }[] };
    assert.equal(jwks.keys.length, 2);
    assert.equal(jwks.keys[1]!.kid, old.key_id);
    assert.notEqual(keys.currentKeyId(), old.key_id, 'the server side picks up the new key');
    assert.equal(minibank(['verify-statement', write('old.json', old), '--key', write('jwks2.json', jwks)]).code, 0);
  });
});
