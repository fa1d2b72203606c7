/**
 * Issue 13: the periodic purge (src/app/purge-expired.ts) sweeps half-finished sign-ins and WebAuthn
 * challenges once they have expired, and leaves the live ones alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { purgeExpired } from '../../src/app/purge-expired.js';
import { CHALLENGE_TTL_MS } from '../../src/app/webauthn-challenge.js';
import { dialects, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { enrolTotp, manualClock } from '../helpers/second-factor.js';
import { Browser } from '../pages/browser.js';

const count = async (h: Harness, table: 'pending_sign_ins' | 'webauthn_challenges') =>
  Number(
    (
      await h.app.ctx.storage.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** A browser past the password step (a pending sign-in row) that also asked for a passkey challenge. */
async function halfway(h: Harness): Promise<void> {
  const browser = new Browser(h.app);
  await browser.get('/login');
  assert.equal((await browser.post('/login/passkey/options', {})).status, 200);
  const res = await browser.post('/login', { username: 'alice', password: PASSWORD });
  assert.equal(res.location, '/login/second-factor');
}

for (const dialect of await dialects()) {
  describe(`purging second-factor leftovers (${dialect})`, () => {
    it('deletes expired half sign-ins and challenges, and keeps live ones', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { secondFactorPendingMinutes: 5, publicUrl: 'http://bank.test' } }, async (h) => {
        await enrolTotp(h, await h.user('alice'), clock);
        await halfway(h);
        const lifetime = Math.max(5 * 60_000, CHALLENGE_TTL_MS);
        clock.advanceMs(lifetime + 1);
        await halfway(h);
        assert.equal(await count(h, 'pending_sign_ins'), 2);
        // Storing a challenge sweeps expired ones already; the first is gone or going: count what is live.
        const challengesBefore = await count(h, 'webauthn_challenges');
        assert.ok(challengesBefore >= 1);
        await purgeExpired(h.app.ctx);
        assert.equal(await count(h, 'pending_sign_ins'), 1, 'the expired half sign-in is gone, the live one stays');
        assert.equal(await count(h, 'webauthn_challenges'), 1, 'the live challenge stays');
        clock.advanceMs(lifetime + 1);
        await purgeExpired(h.app.ctx);
        assert.equal(await count(h, 'pending_sign_ins'), 0);
        assert.equal(await count(h, 'webauthn_challenges'), 0, 'an expired challenge is swept without any new one being stored');
      });
    });
  });
}
