import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { checkPassword, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS } from '../../src/app/password-policy.js';
import { DomainError } from '../../src/domain/errors.js';
import { MEMO_MAX_CHARS, parseMemo } from '../../src/domain/memo.js';
import { parseUsername } from '../../src/domain/username.js';

const refusedWith = (param: string) => (error: unknown) => error instanceof DomainError && error.code === 'invalid_request' && error.param === param;

describe('parseUsername', () => {
  it('accepts 3 to 32 characters of a-z 0-9 . _ -', () => {
    for (const name of ['abc', 'alice', 'bob.smith', 'x_y-z', '007', 'a'.repeat(32), '...', 'a-b']) assert.equal(parseUsername(name), name);
  });

  it('stores usernames lower-case, so they compare case-insensitively', () => {
    assert.equal(parseUsername('Alice'), 'alice');
    assert.equal(parseUsername('ALICE'), parseUsername('alice'));
    assert.equal(parseUsername('  Bob.Smith  '), 'bob.smith');
  });

  it('refuses names that are too short or too long', () => {
    for (const name of ['', 'ab', '  ab  ', 'a'.repeat(33), 'a'.repeat(1000)]) assert.throws(() => parseUsername(name), refusedWith('username'), name);
  });

  it('refuses characters outside a-z 0-9 . _ -', () => {
    for (const name of ['al ice', 'alice!', 'alice@example.com', 'ålice', 'алиса', 'alice\u0000', 'alice\n1', 'a/b/c', '<script>', 'al+ce', 'ａｌｉｃｅ']) {
      assert.throws(() => parseUsername(name), refusedWith('username'), JSON.stringify(name));
    }
  });

  it('names the field it was asked to check', () => {
    assert.throws(() => parseUsername('x', 'to'), refusedWith('to'));
  });
});

describe('parseMemo', () => {
  it('treats a missing, null or blank memo as no memo', () => {
    assert.equal(parseMemo(undefined), null);
    assert.equal(parseMemo(null), null);
    assert.equal(parseMemo(''), null);
    assert.equal(parseMemo('   '), null);
  });

  it('keeps plain text, trimmed of surrounding spaces', () => {
    assert.equal(parseMemo('rent for March'), 'rent for March');
    assert.equal(parseMemo('  lunch  '), 'lunch');
    assert.equal(parseMemo('<b>"quotes" & ümlauts 🍕</b>'), '<b>"quotes" & ümlauts 🍕</b>');
  });

  it('accepts exactly 140 characters and refuses 141', () => {
    assert.equal(MEMO_MAX_CHARS, 140);
    assert.equal(parseMemo('m'.repeat(140)), 'm'.repeat(140));
    assert.throws(() => parseMemo('m'.repeat(141)), refusedWith('memo'));
  });

  it('counts characters as code points, not UTF-16 units', () => {
    const pizzas = '🍕'.repeat(140); // 280 UTF-16 units
    assert.equal(parseMemo(pizzas), pizzas);
    assert.throws(() => parseMemo('🍕'.repeat(141)), refusedWith('memo'));
  });

  it('refuses control characters and line breaks inside the memo', () => {
    for (const bad of ['a\nb', 'a\r\nb', 'a\tb', 'a\u0000b', 'a\u0007b', 'a\u001bb', 'a\u007fb', 'a\u0085b', 'a\u2028b', 'a\u2029b', 'rent\u0000']) {
      assert.throws(() => parseMemo(bad), refusedWith('memo'), JSON.stringify(bad));
    }
  });

  it('names the field it was asked to check', () => {
    assert.throws(() => parseMemo('a\nb', 'note'), refusedWith('note'));
  });
});

describe('checkPassword length rules', () => {
  // Random printable text, so the guessability check never interferes with the length rules.
  const randomPassword = (chars: number) => crypto.randomBytes(chars).toString('base64').slice(0, chars);

  it('accepts 12 and 256 characters and refuses 11 and 257', async () => {
    assert.equal(PASSWORD_MIN_CHARS, 12);
    assert.equal(PASSWORD_MAX_CHARS, 256);
    await assert.doesNotReject(checkPassword(randomPassword(12), 'alice'));
    await assert.doesNotReject(checkPassword(randomPassword(256), 'alice'));
    await assert.rejects(checkPassword(randomPassword(11), 'alice'), refusedWith('password'));
    await assert.rejects(checkPassword(randomPassword(257), 'alice'), refusedWith('password'));
  });

  it('counts code points, so eleven emoji are too short even though they are 22 UTF-16 units', async () => {
    await assert.rejects(checkPassword('🦊🐙🌵🎻🧲🛶🪁🥝🦉🧊🪐', 'alice'), /at least 12/);
  });

  it('refuses the username as the password, in any case', async () => {
    await assert.rejects(checkPassword('Correct.Horse.Staple', 'correct.horse.staple'), /username/);
  });

  it('leaves the password unchanged: surrounding spaces count towards the length', async () => {
    // Eleven characters plus a space: had it been trimmed it would be too short.
    await assert.doesNotReject(checkPassword(' Vq8#zK2!mR4', 'alice'));
  });
});
