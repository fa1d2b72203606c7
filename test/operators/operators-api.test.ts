/**
 * Issue 15 part A through the API, on both databases (contract "Operators (round 2)"): who may use
 * a staff route, the reason rule, freeze and unfreeze, signing a user out everywhere, and what the
 * customer's own timeline says. A manual clock: no test depends on the machine's speed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeRole } from '../../src/app/manage-roles.js';
import { listSecurityEvents } from '../../src/app/security-events.js';
import { auth, dialects, withHarness, type Harness } from '../helpers/harness.js';
import { manualClock } from '../helpers/second-factor.js';
import { grant, operatorSnapshot, revoke, staffUser } from '../helpers/staff.js';

const staffRoutes = (h: Harness, need?: 'support' | 'admin') =>
  h.app.registeredRoutes
    .filter((r) => r.url.startsWith('/api/v1/admin') && r.config?.staff && (need === undefined || r.config.staff === need))
    .flatMap((r) => r.methods.filter((m) => m !== 'HEAD').map((method) => ({ method, url: r.url })));

/** Each staff route with plausible, valid input, so only the staff check can refuse it. */
function requestFor(route: { method: string; url: string }, target: { userId: string; accountId: string }) {
  const url =
    route.url
      .replace(':account_id', target.accountId)
      .replace(':user_id', target.userId)
      .replace(/:[a-z_]+/g, 'x') + (route.url.endsWith('/users') ? '?q=al' : '');
  return { method: route.method as 'GET', url, payload: route.method === 'GET' ? undefined : { reason: 'customer called' } };
}

const freeze = (h: Harness, staff: { token: string }, accountId: string, reason: unknown, path = 'freeze') =>
  h.inject({ method: 'POST', url: `/api/v1/admin/accounts/${accountId}/${path}`, headers: auth(staff), payload: { reason } });

const transfer = (h: Harness, from: { token: string; accountId: string }, to: string, amount: number) =>
  h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(from), payload: { from_account_id: from.accountId, to, amount } });

for (const dialect of await dialects()) {
  describe(`operators through the API (${dialect})`, () => {
    it('refuses every staff route to a customer token with 403 forbidden, and nothing changes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        await h.deposit(alice, 500);
        const mallory = await h.user('mallory');
        const routes = staffRoutes(h);
        assert.ok(routes.length >= 6, `only ${routes.length} staff routes`);
        const before = await operatorSnapshot(h);
        for (const route of routes) {
          const res = await h.inject({ ...requestFor(route, alice), headers: auth(mallory) });
          assert.equal(res.statusCode, 403, `${route.method} ${route.url}: ${res.statusCode} ${res.body}`);
          assert.equal(res.json().error.code, 'forbidden');
        }
        assert.equal(await operatorSnapshot(h), before);
        const looks = (await listSecurityEvents(h.app.ctx, mallory.userId)).filter((e) => e.type.startsWith('staff_'));
        assert.deepEqual(looks, [], 'a refused look is not recorded as a look');
      });
    });

    it('refuses staff without a second factor, saying so, and lets them in once it is on', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const sam = await h.user('sam');
        // Admin, so every staff route's role is met and only the missing second factor refuses.
        await grant(h, 'sam', 'admin');
        const before = await operatorSnapshot(h);
        for (const route of staffRoutes(h)) {
          const res = await h.inject({ ...requestFor(route, alice), headers: auth(sam) });
          assert.equal(res.statusCode, 403, `${route.method} ${route.url}`);
          assert.match(res.json().error.message, /second factor/);
        }
        assert.equal(await operatorSnapshot(h), before);
      });
    });

    it('refuses a support user on admin-only routes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const sam = await staffUser(h, 'sam', 'support', clock);
        const before = await operatorSnapshot(h);
        for (const route of staffRoutes(h, 'admin')) {
          const res = await h.inject({ ...requestFor(route, alice), headers: auth(sam) });
          assert.equal(res.statusCode, 403, `${route.method} ${route.url}`);
        }
        assert.equal(await operatorSnapshot(h), before);
      });
    });

    it('applies a grant and a revoke to an existing token at once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const carl = await staffUser(h, 'carl', 'support', clock);
        const search = () => h.inject({ method: 'GET', url: '/api/v1/admin/users?q=car', headers: auth(carl) });
        assert.equal((await search()).statusCode, 200);
        await revoke(h, 'carl', 'support');
        assert.equal((await search()).statusCode, 403, 'the same token, the role gone');
        await grant(h, 'carl', 'admin');
        assert.equal((await search()).statusCode, 200, 'admin meets support');
      });
    });

    it('refuses an admin changing their own roles, and records nothing', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const ada = await staffUser(h, 'ada', 'admin', clock);
        const self = { userId: ada.userId, username: 'ada', roles: ['admin' as const] };
        const before = await operatorSnapshot(h);
        await assert.rejects(changeRole(h.app.ctx, { username: 'ada', role: 'admin', by: self }, false), { code: 'forbidden' });
        await assert.rejects(changeRole(h.app.ctx, { username: 'ada', role: 'support', by: self }, true), { code: 'forbidden' });
        assert.equal(await operatorSnapshot(h), before);
      });
    });

    it('finds customers by username prefix and by account number, with roles and accounts, and audits the look', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        await h.user('alina');
        await h.user('a_b');
        await h.user('axb');
        const sam = await staffUser(h, 'sam', 'support', clock);
        const byPrefix = await h.inject({ method: 'GET', url: '/api/v1/admin/users?q=ALI', headers: auth(sam) });
        assert.equal(byPrefix.statusCode, 200, byPrefix.body);
        assert.deepEqual(
          byPrefix.json().data.map((c: { user: { username: string } }) => c.user.username),
          ['alice', 'alina'],
        );
        assert.equal(byPrefix.json().has_more, false);
        assert.deepEqual(byPrefix.json().data[0].roles, ['customer']);
        const underscore = await h.inject({ method: 'GET', url: '/api/v1/admin/users?q=a_', headers: auth(sam) });
        assert.deepEqual(
          underscore.json().data.map((c: { user: { username: string } }) => c.user.username),
          ['a_b'],
          '_ is a character, not a wildcard',
        );
        const byNumber = await h.inject({ method: 'GET', url: `/api/v1/admin/users?q=${alice.accountNumber}`, headers: auth(sam) });
        assert.equal(byNumber.json().data.length, 1);
        assert.equal(byNumber.json().data[0].accounts[0].id, alice.accountId);
        const self = await h.inject({ method: 'GET', url: '/api/v1/admin/users?q=sam', headers: auth(sam) });
        assert.deepEqual(self.json().data[0].roles, ['customer', 'support']);
        const looks = (await listSecurityEvents(h.app.ctx, sam.userId)).filter((e) => e.type === 'staff_looked');
        assert.equal(looks.length, 4);
        assert.equal(looks.at(-1)!.details.q, 'ALI');
        const seenByAlice = (await listSecurityEvents(h.app.ctx, alice.userId)).map((e) => e.type);
        assert.ok(
          seenByAlice.length > 0 && seenByAlice.every((t) => !t.includes('staff')),
          `looks never appear on the customer timeline: ${seenByAlice.join()}`,
        );
      });
    });

    it('shows an account and its history in the customer own shapes, and audits each look', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        await h.deposit(alice, 1234);
        const sam = await staffUser(h, 'sam', 'support', clock);
        const own = await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}`, headers: auth(alice) });
        const seen = await h.inject({ method: 'GET', url: `/api/v1/admin/accounts/${alice.accountId}?reason=customer%20call`, headers: auth(sam) });
        assert.equal(seen.statusCode, 200, seen.body);
        assert.deepEqual(seen.json(), own.json());
        const ownHistory = await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions`, headers: auth(alice) });
        const history = await h.inject({ method: 'GET', url: `/api/v1/admin/accounts/${alice.accountId}/transactions`, headers: auth(sam) });
        assert.deepEqual(history.json(), ownHistory.json());
        const missing = await h.inject({ method: 'GET', url: '/api/v1/admin/accounts/no-such-account', headers: auth(sam) });
        assert.equal(missing.statusCode, 404);
        const looks = (await listSecurityEvents(h.app.ctx, sam.userId)).filter((e) => e.type === 'staff_looked');
        assert.deepEqual(
          looks.map((e) => [e.details.what, e.details.user, e.details.reason]),
          [
            ['history', alice.userId, null],
            ['account', alice.userId, 'customer call'],
          ],
        );
      });
    });

    it('refuses a reason that is missing, empty, too long or holds control characters (400 param reason), and nothing changes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const sam = await staffUser(h, 'sam', 'support', clock);
        const before = await operatorSnapshot(h);
        for (const reason of ['', '   ', 'x'.repeat(501), 'line one\nline two', 'tab\there', 'bell\u0007', 'rtl\u202eevil', 42, null]) {
          const res = await freeze(h, sam, alice.accountId, reason);
          assert.equal(res.statusCode, 400, `${JSON.stringify(reason)}: ${res.body}`);
          assert.equal(res.json().error.code, 'invalid_request');
          assert.equal(res.json().error.param, 'reason', JSON.stringify(reason));
          const out = await h.inject({ method: 'POST', url: `/api/v1/admin/users/${alice.userId}/sign-out`, headers: auth(sam), payload: { reason } });
          assert.equal(out.statusCode, 400);
        }
        const none = await h.inject({ method: 'POST', url: `/api/v1/admin/accounts/${alice.accountId}/freeze`, headers: auth(sam), payload: {} });
        assert.equal(none.statusCode, 400);
        assert.equal(await operatorSnapshot(h), before);
        assert.equal((await freeze(h, sam, alice.accountId, 'é'.repeat(500))).statusCode, 200, '500 characters is allowed');
      });
    });

    it('freezes an account so it neither sends nor receives; unfreezing restores both; the owner sees it as bank staff', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 1000);
        await h.deposit(bob, 1000);
        const sam = await staffUser(h, 'sam', 'support', clock);
        const frozen = await freeze(h, sam, alice.accountId, 'Phone stolen, customer called');
        assert.equal(frozen.statusCode, 200, frozen.body);
        assert.equal(frozen.json().status, 'frozen');
        assert.equal(frozen.json().id, alice.accountId);
        const before = await operatorSnapshot(h);
        const out = await transfer(h, alice, 'bob', 100);
        assert.equal(out.statusCode, 422);
        assert.equal(out.json().error.code, 'account_frozen');
        const into = await transfer(h, bob, 'alice', 100);
        assert.equal(into.statusCode, 422);
        assert.equal(into.json().error.code, 'account_frozen');
        assert.equal(await operatorSnapshot(h), before, 'neither direction moved money');
        const events = await listSecurityEvents(h.app.ctx, alice.userId);
        const notice = events.find((e) => e.type === 'account_frozen_by_staff');
        assert.ok(notice);
        assert.equal(notice.details.by, 'bank staff');
        assert.equal(notice.ip, null);
        const shown = JSON.stringify({ ...notice, createdAtMs: null });
        assert.ok(!shown.includes('sam') && !shown.includes(sam.userId), 'never the person');
        const action = (await listSecurityEvents(h.app.ctx, sam.userId)).find((e) => e.type === 'staff_froze_account');
        assert.deepEqual([action?.details.user, action?.details.reason], [alice.userId, 'Phone stolen, customer called']);
        const thawed = await freeze(h, sam, alice.accountId, 'Customer verified at branch', 'unfreeze');
        assert.equal(thawed.json().status, 'active');
        assert.equal((await transfer(h, alice, 'bob', 100)).statusCode, 201);
        assert.equal((await transfer(h, bob, 'alice', 100)).statusCode, 201);
        assert.ok((await listSecurityEvents(h.app.ctx, alice.userId)).some((e) => e.type === 'account_unfrozen_by_staff'));
      });
    });

    it('signs a user out everywhere: every token and web session ends at once', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const second = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: 'a long enough test passphrase' } });
        const token2 = { token: second.json().access_token as string };
        const bob = await h.user('bob');
        const sam = await staffUser(h, 'sam', 'support', clock);
        const db = h.app.ctx.storage.db;
        const now = BigInt(clock.nowMs());
        const session = { user_agent: 'x', ip: '127.0.0.1', created_at: now, last_seen_at: now, expires_at: now + 3_600_000n };
        await db
          .insertInto('sessions')
          .values({ ...session, id_hash: 'h1', handle: 'a1', user_id: alice.userId })
          .execute();
        await db
          .insertInto('sessions')
          .values({ ...session, id_hash: 'h2', handle: 'b1', user_id: bob.userId })
          .execute();
        const res = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/users/${alice.userId}/sign-out`,
          headers: auth(sam),
          payload: { reason: 'Lost phone' },
        });
        assert.equal(res.statusCode, 204, res.body);
        for (const t of [alice, token2]) assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(t) })).statusCode, 401);
        assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(bob) })).statusCode, 200, 'only that user');
        const left = await db.selectFrom('sessions').select('user_id').execute();
        assert.deepEqual(
          left.map((s) => s.user_id),
          [bob.userId],
        );
        const notice = (await listSecurityEvents(h.app.ctx, alice.userId)).find((e) => e.type === 'signed_out_by_staff');
        assert.equal(notice?.details.by, 'bank staff');
        const unknown = await h.inject({ method: 'POST', url: '/api/v1/admin/users/nobody/sign-out', headers: auth(sam), payload: { reason: 'x' } });
        assert.equal(unknown.statusCode, 404);
      });
    });
  });
}
