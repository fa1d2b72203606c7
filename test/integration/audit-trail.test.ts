import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { purgeExpired } from '../../src/app/purge-expired.js';
import { listSecurityEvents } from '../../src/app/security-events.js';
import { auth, dialects, PASSWORD, withHarness } from '../helpers/harness.js';
import { anotherBrowser, signedIn, STRONG_NEW_PASSWORD } from '../pages/browser.js';

for (const dialect of await dialects()) {
  describe(`audit trail (${dialect})`, () => {
    it('links an API movement to the token and a page movement to the session that made it', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        await h.deposit(user, 500);
        const page = await browser.get('/deposit');
        assert.equal(page.status, 200);
        const posted = await browser.post('/deposit', { amount: '2.50', idempotency_key: browser.formKey() });
        assert.equal(posted.status, 303, posted.body.slice(0, 300));
        const rows = await h.app.ctx.storage.db
          .selectFrom('ledger_transactions')
          .select(['actor_user_id', 'actor_token_id', 'actor_session_id'])
          .orderBy('seq')
          .execute();
        assert.equal(rows.length, 2);
        const jti = JSON.parse(Buffer.from(user.token.split('.')[1] ?? '', 'base64url').toString()).jti;
        assert.deepEqual(rows[0], { actor_user_id: user.userId, actor_token_id: jti, actor_session_id: null });
        const session = await h.app.ctx.storage.db.selectFrom('sessions').select('handle').where('user_id', '=', user.userId).executeTakeFirstOrThrow();
        assert.deepEqual(rows[1], { actor_user_id: user.userId, actor_token_id: null, actor_session_id: session.handle });
      });
    });

    it('records sign-up, logins, logout, password change, session and token revocation and CSRF failures, each with time, IP and user agent', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'alice');
        const other = await anotherBrowser(h, 'alice', 'Other/1.0');
        await h.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: auth(user) });
        await browser.get('/settings');
        const csrfRefused = await other.post('/settings/sessions/revoke-others', { _csrf: 'forged-token-value' });
        assert.equal(csrfRefused.status, 403);
        await browser.get('/settings');
        await browser.post('/settings/sessions/revoke-others', {});
        await browser.get('/settings');
        const changed = await browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD });
        assert.equal(changed.status, 303, changed.body.slice(0, 400));
        await browser.get('/dashboard');
        await browser.post('/logout', {});
        const events = await listSecurityEvents(h.app.ctx, user.userId, { limit: 100 });
        const types = events.map((e) => e.type).reverse();
        assert.deepEqual(types, [
          'signed_up',
          'login_succeeded',
          'token_issued',
          'login_succeeded',
          'login_succeeded',
          'token_revoked',
          'csrf_failed',
          'session_revoked',
          'password_changed',
          'logged_out',
        ]);
        for (const e of events) {
          assert.ok(e.ip, `${e.type} has an IP`);
          assert.ok(e.createdAtMs > 0n);
        }
        assert.equal(events.find((e) => e.type === 'csrf_failed')?.userAgent, 'Other/1.0');
      });
    });

    it('keeps audit events for SECURITY_EVENTS_RETENTION_DAYS, then the purge drops them', async () => {
      const clock = { now: Date.UTC(2026, 0, 1), nowMs: () => clock.now };
      await withHarness(dialect, { clock, config: { securityEventsRetentionDays: 30 } }, async (h) => {
        const alice = await h.user('alice');
        clock.now += 29 * 86_400_000;
        await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD } });
        await purgeExpired(h.app.ctx);
        assert.equal((await listSecurityEvents(h.app.ctx, alice.userId, { limit: 100 })).length, 5, 'nothing is 30 days old yet');
        clock.now += 2 * 86_400_000;
        await purgeExpired(h.app.ctx);
        const left = await listSecurityEvents(h.app.ctx, alice.userId, { limit: 100 });
        assert.deepEqual(left.map((e) => e.type).sort(), ['login_succeeded', 'token_issued'], 'only the events of day 29 are left');
      });
    });

    it('shows each user their own security timeline on /settings, escaped, and never anyone else’s', async () => {
      await withHarness(dialect, async (h) => {
        await signedIn(h, 'mallory', '<script>alert(1)</script> Evil/1.0');
        const { browser } = await signedIn(h, 'alice', 'AliceBrowser/2.0');
        const page = await browser.get('/settings');
        assert.equal(page.status, 200);
        assert.match(page.body, /data-testid="security-events"/);
        assert.match(page.body, /Signed in/);
        assert.match(page.body, /Account opened/);
        assert.equal((page.body.match(/data-testid="security-event"/g) ?? []).length, 4, 'sign-up, token login, token issue and page login of alice');
        assert.ok(!page.body.includes('<script>alert(1)</script>'));
        assert.ok(!page.body.includes('Evil/1.0'), 'mallory’s events are not on alice’s page');
      });
    });
  });
}
