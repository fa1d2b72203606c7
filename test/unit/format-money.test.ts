/**
 * Issue 11 class 9 (display that rounds): the one money formatter shows exactly the stored amount,
 * with the ISO 4217 exponent's digits, for every currency minibank knows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currencyExponent, isKnownCurrency } from '../../src/domain/currency.js';
import { formatDecimal } from '../../src/domain/money.js';
import { balanceChart } from '../../src/http/pages/balance-chart.js';
import { formatMoney, formatSignedMoney } from '../../src/http/pages/format.js';

/** The number in a formatted amount, without grouping, symbol or spaces (a symbol may hold a dot: "Cg."). */
const numberPart = (shown: string) => (/\d[\d,]*(?:\.\d+)?/.exec(shown)?.[0] ?? '').replace(/,/g, '');
const plain = (shown: string) => shown.replace(/\u00a0/g, ' ');

describe('money on the pages', () => {
  it('shows HUF 123.40 and HUF 0.40, not HUF 123 and HUF 0 (the issue example)', () => {
    assert.equal(plain(formatMoney(12_340n, 'HUF')), 'HUF 123.40');
    assert.equal(plain(formatMoney(40n, 'HUF')), 'HUF 0.40');
    assert.equal(plain(formatMoney(12_300n, 'HUF')), 'HUF 123.00', 'a whole amount still shows its two digits');
  });

  it('uses the ISO 4217 exponent: none for JPY, two for USD, three for KWD and BHD, four for CLF', () => {
    const cases: [bigint, string, string][] = [
      [12_340n, 'JPY', '¥12,340'],
      [0n, 'JPY', '¥0'],
      [40n, 'USD', '$0.40'],
      [12_340n, 'USD', '$123.40'],
      [123_405n, 'KWD', 'KWD 123.405'],
      [400n, 'KWD', 'KWD 0.400'],
      [1n, 'BHD', 'BHD 0.001'],
      [1_234_001n, 'BHD', 'BHD 1,234.001'],
      [1n, 'CLF', 'CLF 0.0001'],
      [1_234_567n, 'ISK', 'ISK 1,234,567'],
      [5n, 'TWD', 'NT$0.05'],
      [5n, 'IDR', 'IDR 0.05'],
    ];
    for (const [minor, currency, shown] of cases) assert.equal(plain(formatMoney(minor, currency)), shown, `${minor} ${currency}`);
  });

  it('never rounds: every known currency shows every stored digit, up to the largest 64-bit amount', () => {
    const currencies = Intl.supportedValuesOf('currency').filter(isKnownCurrency);
    assert.ok(currencies.length > 150, 'the test covers the ISO list');
    const amounts = [1n, 5n, 40n, 99n, 12_340n, 123_456_789n, 9_223_372_036_854_775_807n];
    for (const currency of currencies) {
      for (const minor of amounts) {
        const shown = formatMoney(minor, currency);
        assert.equal(numberPart(shown), formatDecimal(minor, currency), `${minor} ${currency}: ${shown}`);
        const fraction = numberPart(shown).split('.')[1] ?? '';
        assert.equal(fraction.length, currencyExponent(currency), `${currency} shows its exponent's digits`);
      }
    }
  });

  it('signs a movement without touching its digits', () => {
    assert.equal(plain(formatSignedMoney(40n, 'debit', 'HUF')), '\u2212HUF 0.40');
    assert.equal(plain(formatSignedMoney(123_405n, 'credit', 'KWD')), '+KWD 123.405');
  });

  it('labels the chart with exact amounts (summary, high label and every table row)', () => {
    const day = 86_400_000n;
    const points = [0n, 40n, 12_340n].map((balanceMinor, i) => ({ atMs: BigInt(i + 1) * day, balanceMinor }));
    const chart = balanceChart(points, 'HUF');
    assert.equal(plain(chart.maxLabel), 'HUF 123.40');
    assert.deepEqual(
      chart.rows.map((r) => plain(r.balance)),
      ['HUF 0.40', 'HUF 123.40'],
    );
    assert.match(plain(chart.summary), /HUF 0\.00 on .*, HUF 123\.40 now; highest HUF 123\.40\./);
  });
});
