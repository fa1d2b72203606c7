/**
 * Issue 13: the authenticator app on /settings, without JavaScript: start with the password, read
 * the text secret (and the QR code image, an SVG from this origin), confirm with a code, see the ten
 * recovery codes once with a download, turn it off with the password and a code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, withHarness, PASSWORD } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { signedIn } from './browser.js';

for (const dialect of await dialects()) {
  describe(`authenticator app on /settings (${dialect})`, () => {
    it('enrols from the page with the text secret, shows the recovery codes once, and turns off with password and code', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser } = await signedIn(h, 'alice');
        await browser.get('/settings');
        assert.equal((await browser.get('/settings/totp/qr.svg')).status, 404, 'no QR code before an enrolment');
        await browser.get('/settings');
        const wrong = await browser.post('/settings/totp/start', { totp_password: 'not my password at all' });
        assert.equal(wrong.status, 400);
        assert.match(wrong.body, /id="totp_password-error"/);
        const started = await browser.follow(browser.post('/settings/totp/start', { totp_password: PASSWORD }));
        const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(started.body)?.[1];
        assert.ok(secret, 'the text secret is on the page');
        const qr = await browser.get('/settings/totp/qr.svg');
        assert.equal(qr.status, 200);
        assert.match(String(qr.headers['content-type']), /^image\/svg\+xml/);
        assert.match(qr.body, /^<svg /);
        assert.doesNotMatch(qr.body, /<script|on\w+=/i);
        await browser.get('/settings');
        const bad = await browser.post('/settings/totp/confirm', { totp_code: codeAt(secret, clock, 5) });
        assert.equal(bad.status, 400);
        const shown = await browser.post('/settings/totp/confirm', { totp_code: codeAt(secret, clock) });
        assert.equal(shown.status, 200);
        assert.equal([...shown.body.matchAll(/data-testid="recovery-code"/g)].length, 10);
        assert.match(shown.body, /download="minibank-recovery-codes.txt"/);
        const settings = await browser.get('/settings');
        assert.match(settings.body, /data-testid="recovery-codes-left">10</);
        assert.doesNotMatch(settings.body, /id="totp-secret"/, 'the secret is not shown once on');
        clock.advanceSteps(1);
        const off = await browser.post('/settings/totp/disable', { totp_off_password: PASSWORD, totp_off_code: codeAt(secret, clock) });
        assert.equal(off.status, 303);
        const after = await browser.get('/settings');
        assert.match(after.body, /data-testid="totp-status">Off/);
      });
    });
  });
}
