/**
 * RFC 6238 appendix B test vectors (SHA-1 seed "12345678901234567890", 8 digits) through otpauth,
 * the library the TOTP adapter uses, and the adapter's own 6-digit codes and ±1 step window.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { matchingTotpStep, totpCodeAt, totpStep } from '../../src/services/totp.js';
import { createSecretBox } from '../../src/services/secret-box.js';

const seed = Secret.fromLatin1('12345678901234567890');
const vectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  for (const [seconds, code] of vectors) {
    it(`gives ${code} at T=${seconds} s (SHA-1, 8 digits)`, () => {
      assert.equal(TOTP.generate({ secret: seed, algorithm: 'SHA1', digits: 8, period: 30, timestamp: seconds * 1000 }), code);
    });
  }

  it('the adapter gives the last 6 digits of the same HOTP value and accepts exactly one step of drift each way', () => {
    const base32 = seed.base32;
    assert.equal(totpCodeAt(base32, totpStep(59_000)), '287082');
    const now = 1_111_111_111_000;
    const step = totpStep(now);
    assert.equal(matchingTotpStep(base32, totpCodeAt(base32, step - 1), now), step - 1);
    assert.equal(matchingTotpStep(base32, totpCodeAt(base32, step + 1), now), step + 1);
    assert.equal(matchingTotpStep(base32, totpCodeAt(base32, step - 2), now), null);
    assert.equal(matchingTotpStep(base32, '12345', now), null);
  });
});

describe('secret box', () => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  it('opens after SECRET rotation when the old one is in SECRET_PREVIOUS, and not bound to another user', () => {
    const sealed = createSecretBox({ secret: A }).seal('JBSWY3DPEHPK3PXP', 'user-1');
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.equal(createSecretBox({ secret: B, previousSecrets: [A] }).open(sealed, 'user-1'), 'JBSWY3DPEHPK3PXP');
    assert.throws(() => createSecretBox({ secret: B }).open(sealed, 'user-1'));
    assert.throws(() => createSecretBox({ secret: A }).open(sealed, 'user-2'));
  });
});
