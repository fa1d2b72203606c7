/**
 * Helpers for second-factor tests (issue 13): a clock that tests move by hand (no test waits for
 * real time), TOTP codes computed for a chosen step, and enrolment through the API.
 */
import assert from 'node:assert/strict';
import { totpCodeAt, totpStep } from '../../src/services/totp.js';
import { auth, PASSWORD, type Harness, type TestUser } from './harness.js';

/** A clock fixed at a step boundary + 1 s; `advanceSteps(n)` moves it n × 30 s. */
export function manualClock(startMs = 1_800_000_000_000 - (1_800_000_000_000 % 30_000) + 1000) {
  let now = startMs;
  return {
    nowMs: () => now,
    advanceSteps(n: number) {
      now += n * 30_000;
    },
    advanceMs(ms: number) {
      now += ms;
    },
  };
}

/** The 6-digit code of `secret` at the clock's step plus `offset`. */
export function codeAt(secret: string, clock: { nowMs(): number }, offset = 0): string {
  return totpCodeAt(secret, totpStep(clock.nowMs()) + offset);
}

/**
 * Turns TOTP on for `user` through the API; returns the secret and the ten recovery codes. Uses this
 * step's code. With TOTP already on, pass the `current` secret: replacing it needs its code in
 * MFA-Code (the previous step's, so this step's stays free for the confirmation).
 */
export async function enrolTotp(
  h: Harness,
  user: TestUser,
  clock: { nowMs(): number },
  current?: string,
): Promise<{ secret: string; recoveryCodes: string[] }> {
  const stepUp = current === undefined ? {} : { 'mfa-code': codeAt(current, clock, -1) };
  const start = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: { ...auth(user), ...stepUp }, payload: { password: PASSWORD } });
  assert.equal(start.statusCode, 201, start.body);
  const secret = start.json().secret as string;
  const confirm = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp/confirm', headers: auth(user), payload: { otp: codeAt(secret, clock) } });
  assert.equal(confirm.statusCode, 200, confirm.body);
  return { secret, recoveryCodes: confirm.json().recovery_codes as string[] };
}
