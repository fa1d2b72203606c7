import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../../src/domain/errors.js';
import { checkAmountMinor, formatDecimal, INT64_MAX, parseDecimalAmount } from '../../src/domain/money.js';

const de = { decimalSeparator: ',' } as const;

/** Asserts that parsing `text` is refused as `invalid_amount` on the given param. */
function assertRefused(text: string, currency = 'USD', format?: { decimalSeparator: '.' | ',' }, param = 'amount'): void {
  assert.throws(
    () => parseDecimalAmount(text, currency, format, param),
    (error: unknown) => error instanceof DomainError && error.code === 'invalid_amount' && error.param === param,
    `expected ${JSON.stringify(text)} (${currency}) to be refused`,
  );
}

describe('parseDecimalAmount', () => {
  it('reads the ways people write dollar amounts into exact cents', () => {
    assert.equal(parseDecimalAmount('12.50', 'USD'), 1250n);
    assert.equal(parseDecimalAmount('12', 'USD'), 1200n);
    assert.equal(parseDecimalAmount('1,250.00', 'USD'), 125000n);
    assert.equal(parseDecimalAmount('1,250', 'USD'), 125000n);
    assert.equal(parseDecimalAmount('1,234,567.89', 'USD'), 123456789n);
    assert.equal(parseDecimalAmount('0.01', 'USD'), 1n);
    assert.equal(parseDecimalAmount('12.5', 'USD'), 1250n);
    assert.equal(parseDecimalAmount('  7.05 ', 'USD'), 705n);
  });

  it('drops a currency symbol or this currency code around the number', () => {
    assert.equal(parseDecimalAmount('$ 12.50', 'USD'), 1250n);
    assert.equal(parseDecimalAmount('$12.50', 'USD'), 1250n);
    assert.equal(parseDecimalAmount('12 USD', 'USD'), 1200n);
    assert.equal(parseDecimalAmount('usd 3', 'USD'), 300n);
    assert.equal(parseDecimalAmount('12,50 €', 'EUR', de), 1250n);
  });

  it('accepts a space or apostrophe as a grouping separator only in groups of three', () => {
    assert.equal(parseDecimalAmount('1 250.00', 'USD'), 125000n);
    assert.equal(parseDecimalAmount("1'250.00", 'USD'), 125000n);
    assert.equal(parseDecimalAmount('1\u202f250,00', 'EUR', de), 125000n);
    assertRefused('12 34');
    assertRefused('1 25');
    assertRefused('1  250.00');
  });

  it('reads German-style amounts when the decimal separator is a comma', () => {
    assert.equal(parseDecimalAmount('1.250,00', 'EUR', de), 125000n);
    assert.equal(parseDecimalAmount('12,5', 'EUR', de), 1250n);
    assert.equal(parseDecimalAmount('0,01', 'EUR', de), 1n);
    assert.equal(parseDecimalAmount('1.250', 'EUR', de), 125000n);
    assertRefused('1.25', 'EUR', de);
    assertRefused('1,250.00', 'EUR', de);
  });

  it('uses the currency exponent: yen have no decimals, dinars have three', () => {
    assert.equal(parseDecimalAmount('1,250', 'JPY'), 1250n);
    assert.equal(parseDecimalAmount('7', 'JPY'), 7n);
    assertRefused('12.5', 'JPY');
    assertRefused('12.0', 'JPY');
    assert.equal(parseDecimalAmount('1.234', 'KWD'), 1234n);
    assert.equal(parseDecimalAmount('1.5', 'KWD'), 1500n);
    assert.equal(parseDecimalAmount('0.001', 'KWD'), 1n);
    assertRefused('1.2345', 'KWD');
  });

  it('refuses a comma group that is not three digits instead of reading "1,25" as 125', () => {
    assertRefused('1,25');
    assertRefused('12,50');
    assertRefused('1,2345.00');
    assertRefused(',5');
  });

  it('refuses more fraction digits than the currency has instead of rounding', () => {
    assertRefused('12.505');
    assertRefused('0.001');
    assertRefused('12.500');
  });

  it('refuses signs of every kind, so a negative is never read as positive', () => {
    for (const text of ['-5', '+5', '- 5', '$-5', '-$5', '\u22125', '\u20105', '(5)', '(5.00)', '5-', '\uff0d5']) assertRefused(text);
  });

  it('refuses zero, empty and non-numeric text', () => {
    for (const text of [
      '0',
      '0.00',
      '000',
      '',
      '   ',
      '.',
      'abc',
      '12abc',
      '12 EUR',
      '1e2',
      '1E2',
      'Infinity',
      '-Infinity',
      'NaN',
      '0x10',
      '1.2.3',
      '١٢',
      '１２',
    ]) {
      assertRefused(text);
    }
  });

  it('refuses very long digit strings', () => {
    assertRefused('9'.repeat(20));
    assertRefused('1'.repeat(400));
    assertRefused(`1.${'0'.repeat(400)}`);
  });

  it('names the field it was asked to check in its error', () => {
    assertRefused('abc', 'USD', undefined, 'deposit_amount');
  });

  it('throws a bug (not a user error) for an unknown currency', () => {
    assert.throws(
      () => parseDecimalAmount('1', 'XXX'),
      (e: unknown) => !(e instanceof DomainError),
    );
  });
});

describe('formatDecimal', () => {
  it('writes minor units as plain decimal text in the currency exponent', () => {
    assert.equal(formatDecimal(125000n, 'USD'), '1250.00');
    assert.equal(formatDecimal(1n, 'USD'), '0.01');
    assert.equal(formatDecimal(10n, 'USD'), '0.10');
    assert.equal(formatDecimal(0n, 'USD'), '0.00');
    assert.equal(formatDecimal(1250n, 'JPY'), '1250');
    assert.equal(formatDecimal(0n, 'JPY'), '0');
    assert.equal(formatDecimal(1n, 'KWD'), '0.001');
    assert.equal(formatDecimal(1234n, 'KWD'), '1.234');
  });

  it('writes negative amounts with a leading minus', () => {
    assert.equal(formatDecimal(-1n, 'USD'), '-0.01');
    assert.equal(formatDecimal(-125000n, 'USD'), '-1250.00');
    assert.equal(formatDecimal(-7n, 'JPY'), '-7');
    assert.equal(formatDecimal(-1001n, 'KWD'), '-1.001');
  });

  it('writes the largest 64-bit amount exactly', () => {
    assert.equal(formatDecimal(INT64_MAX, 'USD'), '92233720368547758.07');
    assert.equal(formatDecimal(-INT64_MAX, 'JPY'), '-9223372036854775807');
  });
});

describe('checkAmountMinor', () => {
  const max = 100_000_000n;
  const refused = (value: number | bigint) =>
    assert.throws(
      () => checkAmountMinor(value, max),
      (e: unknown) => e instanceof DomainError && e.code === 'invalid_amount' && e.param === 'amount',
    );

  it('accepts a positive amount up to the maximum, as a bigint', () => {
    assert.equal(checkAmountMinor(1, max), 1n);
    assert.equal(checkAmountMinor(1250, max), 1250n);
    assert.equal(checkAmountMinor(100_000_000, max), max);
    assert.equal(checkAmountMinor(42n, max), 42n);
  });

  it('refuses zero, negatives and amounts above the maximum', () => {
    refused(0);
    refused(-0);
    refused(-1);
    refused(-1n);
    refused(100_000_001);
    refused(max + 1n);
  });

  it('refuses numbers that are not safe integers', () => {
    refused(2 ** 53);
    refused(Number.MAX_VALUE);
    refused(1.5);
    refused(Number.NaN);
    refused(Number.POSITIVE_INFINITY);
  });

  it('names the parameter it was given', () => {
    assert.throws(
      () => checkAmountMinor(0, max, 'value'),
      (e: unknown) => e instanceof DomainError && e.param === 'value',
    );
  });
});

describe('money properties', () => {
  const currencies = ['USD', 'JPY', 'KWD', 'EUR', 'CLF'] as const;
  // parseDecimalAmount allows at most 19 whole digits.
  const positiveAmount = fc.bigInt({ min: 1n, max: 10n ** 19n - 1n });

  it('reads back exactly what formatDecimal wrote, for any positive amount and currency', () => {
    fc.assert(
      fc.property(positiveAmount, fc.constantFrom(...currencies), (amount, currency) => {
        assert.equal(parseDecimalAmount(formatDecimal(amount, currency), currency), amount);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back exactly with a comma decimal separator and dot grouping', () => {
    const germanText = (amount: bigint, currency: string) => {
      const [whole = '', fraction] = formatDecimal(amount, currency).split('.');
      const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
      return fraction === undefined ? grouped : `${grouped},${fraction}`;
    };
    fc.assert(
      fc.property(positiveAmount, fc.constantFrom(...currencies), (amount, currency) => {
        assert.equal(parseDecimalAmount(germanText(amount, currency), currency, de), amount);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes back the canonical text it read, for any canonical decimal text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        fc.pre(whole > 0n || cents > 0);
        const text = `${whole}.${String(cents).padStart(2, '0')}`;
        assert.equal(formatDecimal(parseDecimalAmount(text, 'USD'), 'USD'), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('adds exactly: parse(a) + parse(b) is parse(a + b), where floats would drift (0.1 + 0.2)', () => {
    assert.equal(parseDecimalAmount('0.1', 'USD') + parseDecimalAmount('0.2', 'USD'), parseDecimalAmount('0.3', 'USD'));
    assert.equal(parseDecimalAmount('1.005', 'KWD'), 1005n);
    assert.equal(parseDecimalAmount('4.35', 'USD'), 435n); // 4.35 * 100 is 434.99999999999994 in floats
    assert.equal(parseDecimalAmount('1.15', 'USD'), 115n); // 1.15 * 100 is 114.99999999999999
    assert.equal(parseDecimalAmount('90071992547409.93', 'USD'), 9007199254740993n); // above 2^53
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 17n }), fc.bigInt({ min: 1n, max: 10n ** 17n }), (a, b) => {
        const sum = parseDecimalAmount(formatDecimal(a, 'USD'), 'USD') + parseDecimalAmount(formatDecimal(b, 'USD'), 'USD');
        assert.equal(sum, parseDecimalAmount(formatDecimal(a + b, 'USD'), 'USD'));
      }),
      { numRuns: 1000 },
    );
  });

  it('never calls floating-point parsing or rounding in the money module', () => {
    const source = fs.readFileSync(new URL('../../src/domain/money.ts', import.meta.url), 'utf8');
    for (const banned of ['parseFloat', 'toFixed', 'Math.round', 'Math.floor', 'Number(']) {
      assert.ok(!source.includes(banned), `src/domain/money.ts uses ${banned}`);
    }
  });
});

describe('parseDecimalAmount grouping (issue 11 class 8)', () => {
  const message = (text: string, format?: { decimalSeparator: '.' | ',' }) => {
    try {
      parseDecimalAmount(text, 'USD', format);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('refuses grouping that is not three digits per group as ambiguous, and a decimal comma with a hint', () => {
    for (const text of ['0,500', '1,25', '12,34,567', '01,250.00', '1,2345', '1,250,00', '0,000']) assert.match(message(text) ?? 'accepted', /ambiguous/, text);
    for (const text of ['12,5', '1,25', '0,5']) assert.match(message(text) ?? 'accepted', /use a dot for cents/, text);
    assert.match(message('12.5', { decimalSeparator: ',' }) ?? 'accepted', /use a comma for cents/);
  });

  it('still reads well-formed grouping exactly', () => {
    assert.equal(parseDecimalAmount('1,250.50', 'USD'), 125050n);
    assert.equal(parseDecimalAmount('1250.50', 'USD'), 125050n);
    assert.equal(parseDecimalAmount('1,234,567.89', 'USD'), 123456789n);
    assert.equal(parseDecimalAmount('1.250,50', 'EUR', { decimalSeparator: ',' }), 125050n);
  });
});
