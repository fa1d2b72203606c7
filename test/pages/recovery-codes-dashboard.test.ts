/**
 * Issue 13 item 5: when fewer than three recovery codes are left (and TOTP is on), the dashboard
 * says so and links to where new ones are made; with three or more, or without TOTP, it says nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { signedIn } from './browser.js';

/** Signs in through the API with a recovery code (each one used up). */
async function useCode(h: Harness, code: string) {
  const res = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD, otp: code } });
  assert.equal(res.statusCode, 200, res.body);
}

const note = (body: string) => /data-testid="recovery-codes-low">([^<]*)</.exec(body.replace(/\u00a0/g, ' '))?.[1];

for (const dialect of await dialects()) {
  describe(`the dashboard and recovery codes (${dialect})`, () => {
    it('says nothing with three codes left, then counts down from two to none, and nothing once TOTP is off', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        assert.equal(note((await browser.get('/dashboard')).body), undefined, 'no TOTP: no note');
        const { secret, recoveryCodes } = await enrolTotp(h, user, clock);
        for (const code of recoveryCodes.slice(0, 7)) await useCode(h, code);
        assert.equal(note((await browser.get('/dashboard')).body), undefined, 'three left: no note');
        await useCode(h, recoveryCodes[7]!);
        const two = await browser.get('/dashboard');
        assert.equal(note(two.body), 'You have 2 recovery codes left. ');
        assert.match(two.body, /href="\/settings#totp">Set up your authenticator app again/);
        await useCode(h, recoveryCodes[8]!);
        assert.equal(note((await browser.get('/dashboard')).body), 'You have 1 recovery code left. ');
        await useCode(h, recoveryCodes[9]!);
        assert.equal(note((await browser.get('/dashboard')).body), 'You have no recovery codes left. ');
        clock.advanceSteps(1);
        const off = await h.inject({
          method: 'DELETE',
          url: '/api/v1/me/mfa/totp',
          headers: auth(user),
          payload: { password: PASSWORD, otp: codeAt(secret, clock) },
        });
        assert.equal(off.statusCode, 204, off.body);
        assert.equal(note((await browser.get('/dashboard')).body), undefined, 'TOTP off: no note');
      });
    });
  });
}
