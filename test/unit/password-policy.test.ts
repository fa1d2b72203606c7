import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as common from '@zxcvbn-ts/language-common';
import { checkPassword } from '../../src/app/password-policy.js';
import { DomainError } from '../../src/domain/errors.js';

const refusal = (password: string, username = 'alice'): DomainError | null => {
  try {
    checkPassword(password, username);
    return null;
  } catch (error) {
    assert.ok(error instanceof DomainError);
    return error;
  }
};

const topPasswords = (common.dictionary as { passwords: string[] }).passwords.slice(0, 10_000);

describe('password policy', () => {
  it('accepts long passphrases and random strings of any characters', () => {
    for (const p of ['correct horse battery staple', 'blue-coffee-mug-42', 'hx7kq2mz9vwb', 'Xk9#mQ2$pL7!', 'çà et là, 12 fois ☃', 'a long enough test passphrase']) {
      assert.equal(refusal(p), null, p);
    }
  });

  it('refuses fewer than 12 and more than 256 characters, counting code points', () => {
    assert.match(refusal('Xk9#mQ2$pL7')?.message ?? '', /at least 12/);
    assert.match(refusal('x7'.repeat(128) + 'q')?.message ?? '', /at most 256/);
    // Twelve astral-plane characters are 24 UTF-16 units but twelve characters: long enough.
    assert.equal(refusal('🦊🐙🌵🎻🧲🛶🪁🥝🦉🧊🪐🎲'), null);
  });

  it('refuses the username itself, in any case, and the username plus digits', () => {
    assert.match(refusal('AliceInChains', 'aliceinchains')?.message ?? '', /username/);
    assert.match(refusal('alicealice1234', 'alicealice')?.message ?? '', /username/);
  });

  it('refuses every one of the 10,000 most common passwords that is long enough to be tried', () => {
    const long = topPasswords.filter((p) => [...p].length >= 12);
    assert.ok(long.length > 10, 'the list holds long passwords to test');
    for (const p of long) assert.ok(refusal(p), p);
    // The short ones fail on length first; every one of the 10,000 is refused either way.
    for (const p of topPasswords.filter((q) => [...q].length < 12)) assert.ok(refusal(p), p);
  });

  it('refuses common passwords padded with digits, years or symbols to reach the length', () => {
    const sample = topPasswords.filter((_p, i) => i % 400 === 0);
    const variations = sample.flatMap((p) => [
      (p + '1234567890').slice(0, Math.max(12, p.length + 4)),
      p.length >= 8 ? `${p}2024!` : `${p}${p}2024`.slice(0, 14),
      (p.charAt(0).toUpperCase() + p.slice(1) + '!!!!!!!!!!!!').slice(0, Math.max(12, p.length + 2)),
    ]);
    const passed = variations.filter((p) => refusal(p) === null);
    assert.deepEqual(passed, []);
  });

  it('refuses the bank’s own name and vocabulary dressed up with digits (context-specific words)', () => {
    for (const p of ['minibank2024!!', 'MiniBank123456', 'mybankaccount1', 'minibankminibank']) assert.ok(refusal(p), p);
  });

  it('refuses keyboard walks and sequences, with a message that says why', () => {
    for (const p of ['qwertyuiopasdf', 'zxcvbnmasdfghjkl', '1qaz2wsx3edc4rfv', 'qazwsxedcrfvtgb', 'abcdefghijklmnop', '123456789012345', 'aaaaaaaaaaaaaaaa']) {
      const error = refusal(p);
      assert.ok(error, p);
      assert.equal(error.code, 'invalid_request');
      assert.equal(error.param, 'password');
      assert.match(error.message, /too easy to guess|most commonly used/);
    }
  });
});
