import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildJournal, transferJournal, type JournalLine } from '../../src/domain/journal.js';

const line = (accountId: string, amountMinor: bigint, currency = 'USD'): JournalLine => ({ accountId, currency, amountMinor });

describe('buildJournal', () => {
  it('builds a balanced two-line journal and keeps its lines', () => {
    const journal = buildJournal([line('a', -500n), line('b', 500n)]);
    assert.deepEqual([...journal], [line('a', -500n), line('b', 500n)]);
  });

  it('returns a frozen copy, so the journal cannot be unbalanced after the check', () => {
    const lines = [line('a', -1n), line('b', 1n)];
    const journal = buildJournal(lines);
    lines[0] = line('a', -999n);
    assert.equal(journal[0]?.amountMinor, -1n);
    assert.ok(Object.isFrozen(journal));
    assert.throws(() => (journal as unknown as JournalLine[]).push(line('c', 5n)), TypeError);
  });

  it('accepts a balanced journal of several lines', () => {
    const journal = buildJournal([line('a', -700n), line('b', 200n), line('c', 500n)]);
    assert.equal(journal.length, 3);
  });

  it('refuses an unbalanced journal', () => {
    assert.throws(() => buildJournal([line('a', -500n), line('b', 499n)]), /does not balance in USD: off by -1/);
    assert.throws(() => buildJournal([line('a', 500n), line('b', 500n)]), /does not balance/);
  });

  it('refuses a zero line', () => {
    assert.throws(() => buildJournal([line('a', 0n), line('b', 0n)]), /cannot be zero/);
    assert.throws(() => buildJournal([line('a', -5n), line('b', 5n), line('c', 0n)]), /cannot be zero/);
  });

  it('refuses fewer than two lines', () => {
    assert.throws(() => buildJournal([]), /at least two lines/);
    assert.throws(() => buildJournal([line('a', 5n)]), /at least two lines/);
  });

  it('refuses an account that appears twice', () => {
    assert.throws(() => buildJournal([line('a', -5n), line('a', 5n)]), /appears twice/);
    assert.throws(() => buildJournal([line('a', -5n), line('b', 3n), line('a', 2n)]), /appears twice/);
  });

  it('balances each currency on its own', () => {
    const journal = buildJournal([line('a', -100n, 'USD'), line('b', 100n, 'USD'), line('c', -90n, 'EUR'), line('d', 90n, 'EUR')]);
    assert.equal(journal.length, 4);
    // Zero in total, but 10 USD appear from nowhere and 10 EUR vanish.
    assert.throws(() => buildJournal([line('a', -100n, 'USD'), line('b', 110n, 'USD'), line('c', -10n, 'EUR')]), /does not balance in USD/);
    assert.throws(() => buildJournal([line('a', -5n, 'USD'), line('b', 5n, 'EUR')]), /does not balance/);
  });
});

describe('transferJournal', () => {
  it('debits the payer and credits the payee by the same amount', () => {
    assert.deepEqual([...transferJournal('from', 'to', 'USD', 250n)], [line('from', -250n), line('to', 250n)]);
  });

  it('refuses a zero or negative movement', () => {
    assert.throws(() => transferJournal('from', 'to', 'USD', 0n), /must be positive/);
    assert.throws(() => transferJournal('from', 'to', 'USD', -1n), /must be positive/);
  });

  it('refuses a movement from an account to itself', () => {
    assert.throws(() => transferJournal('a', 'a', 'USD', 1n), /appears twice/);
  });
});

describe('journal properties', () => {
  const nonZero = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).filter((n) => n !== 0n);

  /** 1..8 non-zero lines on distinct accounts, plus one closing line that makes the journal balance. */
  const balancedLines = fc.array(nonZero, { minLength: 1, maxLength: 8 }).chain((amounts) => {
    const sum = amounts.reduce((a, b) => a + b, 0n);
    // The closing line must be non-zero; when the random lines already sum to zero, split the first.
    const lines = sum === 0n ? [...amounts, 1n, -1n] : [...amounts, -sum];
    return fc
      .shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length })
      .map((shuffled) => shuffled.map((amountMinor, i) => line(`acct-${i}`, amountMinor)));
  });

  it('accepts any set of non-zero lines on distinct accounts that sums to zero', () => {
    fc.assert(
      fc.property(balancedLines, (lines) => {
        const journal = buildJournal(lines);
        assert.equal(
          journal.reduce((sum, l) => sum + l.amountMinor, 0n),
          0n,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any balanced journal after one line is changed by any amount', () => {
    fc.assert(
      fc.property(balancedLines, fc.nat(), nonZero, (lines, index, delta) => {
        const i = index % lines.length;
        const perturbed = lines.map((l, j) => (j === i ? { ...l, amountMinor: l.amountMinor + delta } : l));
        assert.throws(() => buildJournal(perturbed));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any balanced journal after one line is dropped or duplicated', () => {
    fc.assert(
      fc.property(balancedLines, fc.nat(), fc.boolean(), (lines, index, drop) => {
        const i = index % lines.length;
        const target = lines[i];
        assert.ok(target);
        const perturbed = drop ? lines.filter((_, j) => j !== i) : [...lines, target];
        assert.throws(() => buildJournal(perturbed));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any balanced journal after one line moves to another currency', () => {
    fc.assert(
      fc.property(balancedLines, fc.nat(), (lines, index) => {
        const i = index % lines.length;
        assert.throws(() => buildJournal(lines.map((l, j) => (j === i ? { ...l, currency: 'EUR' } : l))), /does not balance/);
      }),
      { numRuns: 500 },
    );
  });
});
