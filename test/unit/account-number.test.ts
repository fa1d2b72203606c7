import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatAccountNumber, makeAccountNumber, parseAccountNumber } from '../../src/domain/account-number.js';

const tenDigits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 10, maxLength: 10 });

/** Every number that differs from `number` in exactly one digit. */
function singleDigitSubstitutions(number: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < number.length; i++) {
    for (const d of '0123456789') {
      if (d !== number[i]) out.push(number.slice(0, i) + d + number.slice(i + 1));
    }
  }
  return out;
}

/** Every number made by swapping two adjacent, different digits of `number`. */
function adjacentTranspositions(number: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < number.length; i++) {
    const a = number.charAt(i);
    const b = number.charAt(i + 1);
    if (a !== b) out.push(number.slice(0, i) + b + a + number.slice(i + 2));
  }
  return out;
}

describe('makeAccountNumber', () => {
  it('appends two check digits to ten random digits', () => {
    const number = makeAccountNumber('1234567890');
    assert.match(number, /^1234567890\d{2}$/);
    assert.equal(parseAccountNumber(number), number);
  });

  it('computes ISO 7064 MOD 97-10 check digits, so the whole number is 1 mod 97', () => {
    fc.assert(
      fc.property(tenDigits, (digits) => {
        assert.equal(BigInt(makeAccountNumber(digits)) % 97n, 1n);
      }),
    );
    // Known value: 0000000000 * 100 mod 97 = 0, check = 98.
    assert.equal(makeAccountNumber('0000000000'), '000000000098');
  });

  it('refuses anything but exactly ten digits as its input', () => {
    for (const bad of ['', '123456789', '12345678901', '123456789a', ' 1234567890', '12345-67890']) {
      assert.throws(() => makeAccountNumber(bad), /ten random digits/);
    }
  });
});

describe('parseAccountNumber', () => {
  it('accepts a valid number with or without spaces and dashes', () => {
    const number = makeAccountNumber('9876543210');
    const formatted = formatAccountNumber(number);
    assert.equal(parseAccountNumber(number), number);
    assert.equal(parseAccountNumber(formatted), number);
    assert.equal(parseAccountNumber(formatted.replace(/ /g, '-')), number);
    assert.equal(parseAccountNumber(` ${number.slice(0, 3)} ${number.slice(3, 7)}-${number.slice(7)} `), number);
  });

  it('refuses numbers of the wrong length', () => {
    const number = makeAccountNumber('5555512345');
    assert.equal(parseAccountNumber(number.slice(0, 11)), null);
    assert.equal(parseAccountNumber(`${number}0`), null);
    assert.equal(parseAccountNumber(''), null);
    assert.equal(parseAccountNumber('   '), null);
    assert.equal(parseAccountNumber('1'.repeat(400)), null);
  });

  it('refuses letters and other characters inside the number', () => {
    const number = makeAccountNumber('5555512345');
    assert.equal(parseAccountNumber(`${number.slice(0, 6)}x${number.slice(7)}`), null);
    assert.equal(parseAccountNumber(number.replace(/^(\d{4})/, '$1.')), null);
    assert.equal(parseAccountNumber('alice'), null);
    assert.equal(parseAccountNumber('１２３４５６７８９０１２'), null);
  });

  it('catches every single-digit mistake in any generated number', () => {
    fc.assert(
      fc.property(tenDigits, (digits) => {
        const number = makeAccountNumber(digits);
        for (const typo of singleDigitSubstitutions(number)) assert.equal(parseAccountNumber(typo), null, `${typo} passed for ${number}`);
      }),
      { numRuns: 300 },
    );
  });

  it('catches every swap of two adjacent digits in any generated number', () => {
    fc.assert(
      fc.property(tenDigits, (digits) => {
        const number = makeAccountNumber(digits);
        for (const typo of adjacentTranspositions(number)) assert.equal(parseAccountNumber(typo), null, `${typo} passed for ${number}`);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatAccountNumber', () => {
  it('groups the twelve digits in fours for reading aloud', () => {
    assert.equal(formatAccountNumber('123456789012'), '1234 5678 9012');
  });

  it('is undone by parseAccountNumber for any generated number', () => {
    fc.assert(
      fc.property(tenDigits, (digits) => {
        const number = makeAccountNumber(digits);
        assert.match(formatAccountNumber(number), /^\d{4} \d{4} \d{4}$/);
        assert.equal(parseAccountNumber(formatAccountNumber(number)), number);
      }),
    );
  });
});
