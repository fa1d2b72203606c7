import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import { checkPassword, JUDGED_CHARS } from '../../src/app/password-policy.js';
import { DomainError } from '../../src/domain/errors.js';

const refusal = async (password: string, username = 'alice'): Promise<DomainError | null> => {
  try {
    await checkPassword(password, username);
    return null;
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error;
  }
};

/** Words zxcvbn knows; empty until the policy has loaded its dictionaries. */
const loadedDictionaryWords = () => Object.values(zxcvbnOptions.rankedDictionaries).reduce((n, d) => n + Object.keys(d).length, 0);

const topPasswords = (common.dictionary as { passwords: string[] }).passwords.slice(0, 10_000);

describe('password policy', () => {
  // Runs first: node:test gives this file its own process, so nothing has loaded the dictionaries yet.
  it('loads the dictionaries only when a password gets past the length and username rules, once for concurrent callers', async () => {
    assert.equal(loadedDictionaryWords(), 0, 'importing the policy loads no dictionary');
    assert.match((await refusal('short'))?.message ?? '', /at least 12/);
    assert.match((await refusal('AliceInChains', 'aliceinchains'))?.message ?? '', /username/);
    assert.equal(loadedDictionaryWords(), 0, 'the cheap rules need no dictionary');
    // Concurrent first callers all wait for the one load and each gets its own answer.
    const answers = await Promise.all(['correct horse battery staple', 'password1234', 'hx7kq2mz9vwb', 'qwertyuiopasdf'].map((p) => refusal(p)));
    assert.deepEqual(
      answers.map((a) => a?.code ?? 'ok'),
      ['ok', 'invalid_request', 'ok', 'invalid_request'],
    );
    assert.ok(loadedDictionaryWords() > 50_000, 'the dictionaries are loaded now');
  });

  it('accepts long passphrases and random strings of any characters', async () => {
    for (const p of [
      'correct horse battery staple',
      'blue-coffee-mug-42',
      'hx7kq2mz9vwb',
      'Xk9#mQ2$pL7!',
      'çà et là, 12 fois ☃',
      'a long enough test passphrase',
    ]) {
      assert.equal(await refusal(p), null, p);
    }
  });

  it('refuses fewer than 12 and more than 256 characters, counting code points', async () => {
    assert.match((await refusal('Xk9#mQ2$pL7'))?.message ?? '', /at least 12/);
    assert.match((await refusal('x7'.repeat(128) + 'q'))?.message ?? '', /at most 256/);
    // Twelve astral-plane characters are 24 UTF-16 units but twelve characters: long enough.
    assert.equal(await refusal('🦊🐙🌵🎻🧲🛶🪁🥝🦉🧊🪐🎲'), null);
  });

  it('refuses the username itself, in any case, and the username plus digits', async () => {
    assert.match((await refusal('AliceInChains', 'aliceinchains'))?.message ?? '', /username/);
    assert.match((await refusal('alicealice1234', 'alicealice'))?.message ?? '', /username/);
  });

  it('refuses every one of the 10,000 most common passwords that is long enough to be tried', async () => {
    const long = topPasswords.filter((p) => [...p].length >= 12);
    assert.ok(long.length > 10, 'the list holds long passwords to test');
    for (const p of long) assert.ok(await refusal(p), p);
    // The short ones fail on length first; every one of the 10,000 is refused either way.
    for (const p of topPasswords.filter((q) => [...q].length < 12)) assert.ok(await refusal(p), p);
  });

  it('refuses common passwords padded with digits, years or symbols to reach the length', async () => {
    const sample = topPasswords.filter((_p, i) => i % 400 === 0);
    const variations = sample.flatMap((p) => [
      (p + '1234567890').slice(0, Math.max(12, p.length + 4)),
      p.length >= 8 ? `${p}2024!` : `${p}${p}2024`.slice(0, 14),
      (p.charAt(0).toUpperCase() + p.slice(1) + '!!!!!!!!!!!!').slice(0, Math.max(12, p.length + 2)),
    ]);
    const passed: string[] = [];
    for (const p of variations) if ((await refusal(p)) === null) passed.push(p);
    assert.deepEqual(passed, []);
  });

  it('refuses the bank’s own name and vocabulary dressed up with digits (context-specific words)', async () => {
    for (const p of ['minibank2024!!', 'MiniBank123456', 'mybankaccount1', 'minibankminibank']) assert.ok(await refusal(p), p);
  });

  it('refuses keyboard walks and sequences, with a message that says why', async () => {
    for (const p of ['qwertyuiopasdf', 'zxcvbnmasdfghjkl', '1qaz2wsx3edc4rfv', 'qazwsxedcrfvtgb', 'abcdefghijklmnop', '123456789012345', 'aaaaaaaaaaaaaaaa']) {
      const error = await refusal(p);
      assert.ok(error, p);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'password');
      assert.match(error.message, /too easy to guess|most commonly used/);
    }
  });

  it('still catches l33t spellings with the bounded l33t matcher', async () => {
    for (const p of ['p4$$w0rd12345', 'P@ssw0rd2024!!', 'M0nk3y!M0nk3y!']) assert.ok(await refusal(p), p);
  });

  it('judges the first 64 characters: a strong start makes a strong password, a weak start is refused whatever follows', async () => {
    assert.equal(JUDGED_CHARS, 64);
    const strongStart = 'vivid ochre lantern swims past quiet glacier nine mangoes dance!';
    assert.equal([...strongStart].length, 64);
    assert.equal(await refusal(strongStart + 'a'.repeat(192)), null);
    // The worst case found (28 s of blocking CPU before the bound): refused, as it should be.
    assert.ok(await refusal('P@55w0rd!'.repeat(40).slice(0, 256)));
    assert.ok(await refusal('a'.repeat(64) + strongStart));
  });
});
