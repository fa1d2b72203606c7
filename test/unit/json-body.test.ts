import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { markInexactNumbers, parseJsonBody } from '../../src/http/json-body.js';

const inexact = (literal: string) => ({ inexactNumber: literal });

describe('parseJsonBody', () => {
  it('turns exponents, fractions and 1.0 into InexactNumber objects instead of numbers', () => {
    assert.deepEqual(parseJsonBody('{"amount":1e2}'), { amount: inexact('1e2') });
    assert.deepEqual(parseJsonBody('{"amount":1E+2}'), { amount: inexact('1E+2') });
    assert.deepEqual(parseJsonBody('{"amount":1.0}'), { amount: inexact('1.0') });
    assert.deepEqual(parseJsonBody('{"amount":1.5}'), { amount: inexact('1.5') });
    assert.deepEqual(parseJsonBody('{"amount":-0.5}'), { amount: inexact('-0.5') });
    assert.deepEqual(parseJsonBody('{"amount":0.1}'), { amount: inexact('0.1') });
  });

  it('turns integers too long to be exact into InexactNumber objects', () => {
    assert.equal(2 ** 53 + 1, 2 ** 53); // why: JSON.parse would silently hand back 9007199254740992
    assert.deepEqual(parseJsonBody('{"amount":9007199254740993}'), { amount: inexact('9007199254740993') });
    const huge = '9'.repeat(400);
    assert.deepEqual(parseJsonBody(`{"amount":${huge}}`), { amount: inexact(huge) });
    assert.deepEqual(parseJsonBody('{"amount":1000000000000000}'), { amount: inexact('1000000000000000') });
  });

  it('leaves plain integers of up to fifteen digits as numbers', () => {
    assert.deepEqual(parseJsonBody('{"amount":1250}'), { amount: 1250 });
    assert.deepEqual(parseJsonBody('{"amount":0}'), { amount: 0 });
    assert.deepEqual(parseJsonBody('{"amount":-7}'), { amount: -7 });
    assert.deepEqual(parseJsonBody('{"amount":999999999999999}'), { amount: 999999999999999 });
    assert.deepEqual(parseJsonBody('[1, -2, 3]'), [1, -2, 3]);
  });

  it('marks numbers wherever they are nested', () => {
    assert.deepEqual(parseJsonBody('{"a":[1,2.5,{"b":3e1}],"c":{"d":[[-1.25]]}}'), {
      a: [1, inexact('2.5'), { b: inexact('3e1') }],
      c: { d: [[inexact('-1.25')]] },
    });
  });

  it('leaves numbers inside strings alone, including after escaped quotes and backslashes', () => {
    assert.deepEqual(parseJsonBody('{"memo":"1e2"}'), { memo: '1e2' });
    assert.deepEqual(parseJsonBody('{"memo":"say \\"1.5\\" twice"}'), { memo: 'say "1.5" twice' });
    assert.deepEqual(parseJsonBody('{"memo":"x\\"1.5"}'), { memo: 'x"1.5' });
    assert.deepEqual(parseJsonBody('{"memo":"back\\\\","amount":2.5}'), { memo: 'back\\', amount: inexact('2.5') });
    assert.deepEqual(parseJsonBody('{"1.5":"2.5"}'), { '1.5': '2.5' });
    assert.equal(markInexactNumbers('{"memo":"1.5 and 1e9"}'), '{"memo":"1.5 and 1e9"}');
  });

  it('refuses __proto__ keys at any depth, however they are spelled', () => {
    for (const body of ['{"__proto__":{"admin":true}}', '{"a":{"__proto__":1}}', '{"\\u005f_proto__":{"x":1}}', '[{"__proto__":null}]']) {
      assert.throws(() => parseJsonBody(body), SyntaxError, body);
    }
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  it('refuses a constructor.prototype key', () => {
    assert.throws(() => parseJsonBody('{"constructor":{"prototype":{"admin":true}}}'), SyntaxError);
  });

  it('refuses malformed JSON', () => {
    for (const body of ['{', '{"a":}', "{'a':1}", '{"a":NaN}', '{"a":Infinity}', '{"a":1,}', '', 'undefined']) {
      assert.throws(() => parseJsonBody(body), body);
    }
  });

  it('finishes on a hostile 16 KB body of quote-backslash-quote runs', () => {
    const hostile = '"\\"'.repeat(Math.floor(16384 / 3));
    let outcome: 'parsed' | 'refused';
    try {
      parseJsonBody(hostile);
      outcome = 'parsed';
    } catch {
      outcome = 'refused';
    }
    assert.equal(outcome, 'refused'); // it is not valid JSON; the point is that it returns at all
    const inString = `{"memo":"${'\\"'.repeat(8000)}"}`;
    assert.deepEqual(parseJsonBody(inString), { memo: '"'.repeat(8000) });
    const unterminated = `{"memo":"${'\\'.repeat(16383)}`;
    assert.throws(() => parseJsonBody(unterminated));
  });

  it('parses exactly what JSON.parse does for any JSON whose numbers are plain integers', () => {
    const plainIntegers = (v: unknown): unknown =>
      typeof v === 'number'
        ? Math.trunc(v) % 1e15 || 0
        : Array.isArray(v)
          ? v.map(plainIntegers)
          : v && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainIntegers(x)]))
            : v;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(plainIntegers(value));
        fc.pre(!/__proto__|constructor/.test(text));
        assert.deepEqual(parseJsonBody(text), JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('never hands back a number that is not an exact integer, whatever numbers the JSON holds', () => {
    const numbers = (v: unknown): number[] => (typeof v === 'number' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(numbers) : []);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = JSON.stringify(value);
        fc.pre(!/__proto__|constructor/.test(text));
        for (const n of numbers(parseJsonBody(text))) assert.ok(Number.isSafeInteger(n) && Math.abs(n) < 1e15, `${n} from ${text}`);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every string value exactly as JSON.parse reads it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (memo) => {
        fc.pre(!memo.startsWith('\u0000minibank-number:'));
        const text = JSON.stringify({ memo, n: 5 });
        assert.deepEqual(parseJsonBody(text), { memo, n: 5 });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('findDuplicateKey and ill-formed text (issue 11 class 8)', async () => {
  const { findDuplicateKey } = await import('../../src/http/json-duplicate-keys.js');
  const { illFormedUrlencodedField } = await import('../../src/http/well-formed-text.js');

  it('finds a key repeated within one object, at any depth, after unescaping', () => {
    assert.equal(findDuplicateKey('{"a":1,"a":2}'), 'a');
    assert.equal(findDuplicateKey('{"a":1,"\\u0061":2}'), 'a');
    assert.equal(findDuplicateKey('{"x":{"b":1,"b":2}}'), 'b');
    assert.equal(findDuplicateKey('[{"c":1},{"d":[1,{"e":1,"e":1}]}]'), 'e');
  });

  it('does not mistake the same key in different objects, or a key-like string value, for a repeat', () => {
    assert.equal(findDuplicateKey('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}'), null);
    assert.equal(findDuplicateKey('{"a":"a","b":"a, \\"a\\": 1"}'), null);
    assert.equal(findDuplicateKey('{"a":[1,2,"a"],"b":1}'), null);
  });

  it('never throws on malformed text', () => {
    fc.assert(fc.property(fc.string(), (text) => void findDuplicateKey(text)));
  });

  it('parseJsonBody refuses a repeated key and a lone surrogate with invalid_request naming the field', () => {
    assert.throws(
      () => parseJsonBody('{"amount":1,"amount":2}'),
      (e: { code?: string; param?: string }) => e.code === 'invalid_request' && e.param === 'amount',
    );
    assert.throws(
      () => parseJsonBody('{"memo":["ok","\\ud800"]}'),
      (e: { code?: string; param?: string }) => e.code === 'invalid_request' && e.param === 'memo',
    );
    assert.throws(
      () => parseJsonBody(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
      (e: { code?: string }) => e.code === 'invalid_request',
    );
    assert.deepEqual(parseJsonBody(Buffer.from('{"memo":"💸"}')), { memo: '💸' });
  });

  it('names the urlencoded field whose decoded bytes are not UTF-8', () => {
    assert.equal(illFormedUrlencodedField('a=1&memo=%ED%A0%80'), 'memo');
    assert.equal(illFormedUrlencodedField('a=%F0%9F%92%B8&b=100%&c=%zz+x'), null);
    assert.equal(illFormedUrlencodedField('%FF=1'), '');
    assert.equal(illFormedUrlencodedField('memo=a\ufffdb'), 'memo');
  });
});
