/**
 * Issue 11 class 14: anonymous noise in the audit trail is bounded. Events without a user are one
 * row per type, IP and window with a count, at most AUDIT_ANONYMOUS_ROWS_PER_WINDOW rows per window
 * (then one overflow row without an IP); events with a user keep one row each.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, PASSWORD, type Harness, withHarness } from '../helpers/harness.js';

const forgedForm = (h: Harness, remoteAddress: string) =>
  h.inject({ method: 'POST', url: '/logout', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=forged' });

async function rows(h: Harness, type: string) {
  const found = await h.app.ctx.storage.db
    .selectFrom('security_events')
    .select(['user_id', 'ip', 'occurrences'])
    .where('type', '=', type)
    .orderBy('seq')
    .execute();
  return found.map((r) => ({ user_id: r.user_id, ip: r.ip, occurrences: Number(r.occurrences) }));
}

for (const dialect of await dialects()) {
  describe(`audit trail noise (${dialect})`, () => {
    it('keeps 300 refused anonymous form posts from one address as one row counting 300, and a second address as its own row', async () => {
      await withHarness(dialect, async (h) => {
        for (let i = 0; i < 300; i++) assert.equal((await forgedForm(h, '198.51.100.1')).statusCode, 403);
        for (let i = 0; i < 4; i++) await forgedForm(h, '198.51.100.2');
        assert.deepEqual(await rows(h, 'csrf_failed'), [
          { user_id: null, ip: '198.51.100.1', occurrences: 300 },
          { user_id: null, ip: '198.51.100.2', occurrences: 4 },
        ]);
      });
    });

    it('starts a new row in the next window', async () => {
      let nowMs = Date.UTC(2025, 0, 1);
      await withHarness(dialect, { clock: { nowMs: () => nowMs } }, async (h) => {
        await forgedForm(h, '198.51.100.1');
        await forgedForm(h, '198.51.100.1');
        nowMs += h.config.auditAnonymousWindowMinutes * 60_000;
        await forgedForm(h, '198.51.100.1');
        assert.deepEqual(
          (await rows(h, 'csrf_failed')).map((r) => r.occurrences),
          [2, 1],
        );
      });
    });

    it('bounds the rows per window: addresses past the bound are counted in one row without an IP', async () => {
      await withHarness(dialect, { config: { auditAnonymousRowsPerWindow: 3 } }, async (h) => {
        for (let i = 1; i <= 8; i++) await forgedForm(h, `198.51.100.${i}`);
        await forgedForm(h, '198.51.100.1');
        assert.deepEqual(await rows(h, 'csrf_failed'), [
          { user_id: null, ip: '198.51.100.1', occurrences: 2 },
          { user_id: null, ip: '198.51.100.2', occurrences: 1 },
          { user_id: null, ip: '198.51.100.3', occurrences: 1 },
          { user_id: null, ip: null, occurrences: 5 },
        ]);
      });
    });

    it('aggregates failed logins for unknown usernames, but keeps one row per event for a real user', async () => {
      await withHarness(dialect, async (h) => {
        const user = await h.user('audited');
        const tryLogin = (username: string) =>
          h.inject({ method: 'POST', url: '/api/v1/auth/token', remoteAddress: '198.51.100.9', payload: { username, password: `${PASSWORD} but wrong` } });
        for (let i = 0; i < 3; i++) assert.equal((await tryLogin('nobody-by-this-name')).statusCode, 401);
        for (let i = 0; i < 3; i++) assert.equal((await tryLogin('audited')).statusCode, 401);
        const failed = await rows(h, 'login_failed');
        assert.deepEqual(
          failed.filter((r) => r.user_id === null),
          [{ user_id: null, ip: '198.51.100.9', occurrences: 3 }],
        );
        assert.deepEqual(
          failed.filter((r) => r.user_id === user.userId),
          Array.from({ length: 3 }, () => ({ user_id: user.userId, ip: '198.51.100.9', occurrences: 1 })),
        );
      });
    });
  });
}
