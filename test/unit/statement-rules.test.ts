/**
 * The pure rules and the key file behind monthly statements (issue 16 items 3 and 4): UTC months
 * and their bounds, the arithmetic check an offline verifier runs, and the key file (0600, refused
 * when others can read it, created once however many processes start together).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { DomainError } from '../../src/domain/errors.js';
import { monthOf, parseStatementMonth } from '../../src/domain/statement-month.js';
import { statementProblems } from '../../src/domain/statement.js';
import { ensureStatementKeyFile, jwkThumbprint, statementKeyStore } from '../../src/services/statement-keys.js';

const NOW = BigInt(Date.UTC(2025, 1, 28, 23, 59, 59, 999));

describe('statement months (UTC)', () => {
  it('bounds a month from its first millisecond to the first of the next, December into January', () => {
    const dec = parseStatementMonth('2024-12', NOW);
    assert.equal(dec.startMs, BigInt(Date.UTC(2024, 11, 1)));
    assert.equal(dec.endMs, BigInt(Date.UTC(2025, 0, 1)));
    assert.equal(dec.final, true);
    assert.equal(parseStatementMonth('2024-02', NOW).endMs - parseStatementMonth('2024-02', NOW).startMs, 29n * 86_400_000n, 'a leap February');
    assert.equal(parseStatementMonth('2025-02', NOW).final, false, 'the current month until its very last millisecond');
    assert.equal(parseStatementMonth('2025-02', NOW + 1n).final, true);
    assert.equal(monthOf(NOW), '2025-02');
    assert.equal(monthOf(NOW + 1n), '2025-03');
  });

  it('refuses a malformed, pre-1970 or future month as invalid_request on month', () => {
    for (const bad of ['2025-03', '2025-13', '2025-00', '2025-2', '02-2025', '2025-02 ', '1969-12', '']) {
      assert.throws(
        () => parseStatementMonth(bad, NOW),
        (e: unknown) => e instanceof DomainError && e.code === 'invalid_request' && e.param === 'month',
        bad,
      );
    }
  });
});

const sound = {
  account: { id: 'a', number: '1', currency: 'EUR', holder: 'h' },
  month: '2025-01',
  final: true,
  opening_balance: 100,
  closing_balance: 130,
  total_credits: 50,
  total_debits: 20,
  transactions: [
    { id: 't1', amount: 50, direction: 'credit', balance_after: 150, currency: 'EUR' },
    { id: 't2', amount: 20, direction: 'debit', balance_after: 130, currency: 'EUR' },
  ],
  ledger_head: { seq: 1, hash: '00' },
  issued_at: 'x',
  key_id: 'k',
  signature: 's',
};

describe('the arithmetic of a statement', () => {
  it('finds nothing wrong with a statement that adds up', () => {
    assert.deepEqual(statementProblems(sound), []);
  });

  it('names each kind of error', () => {
    const problems = (change: object) => statementProblems({ ...sound, ...change }).join('\n');
    assert.match(problems({ closing_balance: 131 }), /not the closing balance 131/);
    assert.match(problems({ total_credits: 60, closing_balance: 140 }), /balance 140|total_credits 60/);
    assert.match(problems({ transactions: [sound.transactions[1]] }), /running balance 130 should be 80/);
    assert.match(problems({ transactions: [{ ...sound.transactions[0], currency: 'USD' }, sound.transactions[1]] }), /in USD, not the account's EUR/);
    assert.match(problems({ opening_balance: 1.5 }), /opening_balance is not a whole number/);
    assert.match(problems({ transactions: [{ ...sound.transactions[0], amount: -50 }, sound.transactions[1]] }), /no positive amount/);
    assert.deepEqual(statementProblems([]), ['the statement is not a JSON object']);
  });
});

describe('the statement key file', () => {
  const made: string[] = [];
  const dir = () => {
    made.push(fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-statement-key-')));
    return made[made.length - 1]!;
  };
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('is created once with mode 0600, its kid the RFC 7638 thumbprint, however often it is ensured', () => {
    const file = path.join(dir(), 'nested', 'statement-key.json');
    ensureStatementKeyFile(file);
    const first = fs.readFileSync(file, 'utf8');
    ensureStatementKeyFile(file);
    assert.equal(fs.readFileSync(file, 'utf8'), first);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    const [key] = statementKeyStore(file).jwks().keys;
    assert.equal(key!.kid, jwkThumbprint(key!.x));
    assert.equal(fs.readdirSync(path.dirname(file)).length, 1, 'no temporary file left behind');
  });

  it('is refused when group or others can read it', () => {
    const file = path.join(dir(), 'statement-key.json');
    ensureStatementKeyFile(file);
    fs.chmodSync(file, 0o644);
    assert.throws(() => statementKeyStore(file).jwks(), /readable by other users/);
  });
});
