/**
 * Injection attacks: SQL-injection strings in every text field of the API and the forms, stored XSS
 * through the memo shown on the pages, and log injection through a username or memo with a newline.
 * Queries are parameterised (Kysely), templates escape, logs are JSON lines: each attack is refused
 * or stored as inert text, and nothing else changes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';
import { INJECTION_STRINGS, unchanged } from './attack-kit.js';
import { loggedApp } from './log-capture.js';

const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

for (const dialect of await dialects()) {
  describe(`attack: injection (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
      await h.user('bob');
      await h.deposit(alice, 100_000);
    });
    after(async () => h.close());

    it('treats SQL-injection strings in the sign-up and login username and password as plain, refused input', async () => {
      for (const s of INJECTION_STRINGS) {
        const signup = await unchanged(h.app, () => h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: s, password: PASSWORD } }));
        assert.equal(signup.statusCode, 400, s);
        for (const payload of [
          { username: s, password: PASSWORD },
          { username: 'alice', password: s },
          { username: `alice${s}`, password: s },
        ]) {
          const login = await unchanged(h.app, () => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload }));
          assert.equal(login.statusCode, 401, `${JSON.stringify(payload)}: ${login.statusCode}`);
        }
      }
    });

    it('treats SQL-injection strings in the payee, path, cursor, page size and idempotency key as plain, refused input', async () => {
      for (const s of INJECTION_STRINGS) {
        const q = encodeURIComponent(s);
        const responses = await unchanged(h.app, async () => [
          await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(alice), payload: { from_account_id: alice.accountId, to: s, amount: 1 } }),
          await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(alice), payload: { account_id: s, amount: 1 } }),
          await h.inject({ method: 'GET', url: `/api/v1/accounts/${q}`, headers: auth(alice) }),
          await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?starting_after=${q}`, headers: auth(alice) }),
          await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?limit=${q}`, headers: auth(alice) }),
        ]);
        for (const r of responses) assert.ok([400, 404].includes(r.statusCode), `${s}: ${r.statusCode} ${r.body}`);
      }
    });

    it('stores SQL-injection strings in a memo as inert text, character for character', async () => {
      const memo = '\'; DROP TABLE entries; -- " OR 1=1';
      const res = await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: { ...auth(alice), 'idempotency-key': "' OR '1'='1" },
        payload: { from_account_id: alice.accountId, to: 'bob', amount: 1, memo },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().transaction.memo, memo);
      const list = await h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?limit=1`, headers: auth(alice) });
      assert.equal(list.json().data[0].memo, memo);
      const count = await h.app.ctx.storage.db
        .selectFrom('entries')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      assert.ok(Number(count.n) > 0, 'the entries table is still there');
    });

    it('refuses SQL-injection strings in the login form and the transfer form, moving nothing', async () => {
      const { browser } = await signedIn(h, 'formuser');
      for (const s of INJECTION_STRINGS.slice(0, 4)) {
        await browser.get('/transfer');
        const res = await unchanged(h.app, () => browser.post('/transfer', { to: s, amount: '1', idempotency_key: browser.formKey(), step: 'confirm' }));
        assert.ok([400, 404, 422].includes(res.status), `${s}: ${res.status}`);
      }
    });

    it('shows a memo carrying HTML and script escaped on the dashboard and history pages (stored XSS)', async () => {
      const { browser, user } = await signedIn(h, 'xssvictim');
      const sent = await h.inject({
        method: 'POST',
        url: '/api/v1/deposits',
        headers: auth(user),
        payload: { account_id: user.accountId, amount: 500, memo: XSS },
      });
      assert.equal(sent.statusCode, 201);
      for (const url of ['/dashboard', '/transactions']) {
        const page = await unchanged(h.app, () => browser.get(url));
        assert.equal(page.status, 200);
        assert.ok(!page.body.includes('<script>alert(1)</script>'), `${url} has a raw script tag`);
        assert.ok(!page.body.includes('<img src=x'), `${url} has a raw img tag`);
        assert.match(page.body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, `${url} shows the memo, escaped`);
      }
      const csv = await browser.get('/transactions.csv');
      assert.equal(csv.status, 200);
      assert.doesNotMatch(String(csv.headers['content-type']), /html/);
    });

    it('refuses a memo with a newline or other control characters (log and CSV injection)', async () => {
      for (const memo of ['ok\n2026-01-01 forged entry', 'tab\there', 'bell\u0007', 'nul\u0000', 'bidi\u202eevil']) {
        const res = await unchanged(h.app, () =>
          h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(alice), payload: { account_id: alice.accountId, amount: 1, memo } }),
        );
        assert.equal(res.statusCode, 400, JSON.stringify(memo));
      }
    });

    it('writes a username or header with a newline as one escaped JSON log line, never a forged second line', async () => {
      const logged = await loggedApp(h);
      try {
        const forged = 'x\n{"level":30,"msg":"FORGED admin logged in"}\r\n127.0.0.1 - admin [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1';
        await unchanged(logged.app, async () => {
          await logged.app.inject({
            method: 'POST',
            url: '/api/v1/auth/token',
            headers: { 'user-agent': forged.replace(/[\r\n]/g, ' ') },
            payload: { username: forged, password: 'wrong password here' },
          });
          await logged.app.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: forged, password: PASSWORD } });
          await logged.app.inject({
            method: 'POST',
            url: '/api/v1/deposits',
            headers: auth(alice),
            payload: { account_id: alice.accountId, amount: 1, memo: forged },
          });
          await logged.app.inject({ method: 'GET', url: `/api/v1/me?x=${encodeURIComponent(forged)}`, headers: auth(alice) });
        });
        await logged.close();
        const lines = logged
          .logText()
          .split('\n')
          .filter((l) => l !== '');
        assert.ok(lines.length > 0);
        for (const line of lines) {
          const parsed = JSON.parse(line) as { msg?: string };
          assert.notEqual(parsed.msg, 'FORGED admin logged in');
        }
        const access = logged
          .accessLogText()
          .split('\n')
          .filter((l) => l !== '');
        assert.equal(access.length, 4, 'one access-log line per request');
        for (const line of access) {
          // Common Log Format, with the request line quoted and free of raw control characters.
          assert.match(line, /^\S+ \S+ \S+ \[[^\]]+\] "[^"\u0000-\u001f]*" \d{3} \d+$/, line);
          assert.doesNotMatch(line, /^127\.0\.0\.1 - admin/, 'no forged access-log line');
        }
      } finally {
        await logged.close().catch(() => {});
      }
    });
  });
}
