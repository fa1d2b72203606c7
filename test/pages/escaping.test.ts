import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, type Harness } from '../helpers/harness.js';
import { signedIn } from './browser.js';

const XSS = '<img src=x onerror=alert(1)>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';

for (const dialect of await dialects()) {
  describe(`output escaping (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    async function withHostileMemos() {
      const { browser, user } = await signedIn(h, `memo${Math.random().toString(36).slice(2, 8)}`);
      const peer = await h.user(`peer${Math.random().toString(36).slice(2, 8)}`);
      await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount: 500, memo: XSS } });
      await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(user),
        payload: { from_account_id: user.accountId, to: peer.username, amount: 100, memo: '"><script>alert(2)</script>' },
      });
      await h.inject({
        method: 'POST',
        url: '/api/v1/deposits',
        headers: auth(user),
        payload: { account_id: user.accountId, amount: 1, memo: '=HYPERLINK("http://evil.example","x")' },
      });
      return { browser, user };
    }

    it('escapes a hostile memo on the dashboard', async () => {
      const { browser } = await withHostileMemos();
      const page = await browser.get('/dashboard');
      assert.equal(page.status, 200);
      assert.ok(!page.body.includes(XSS), 'raw markup absent');
      assert.ok(page.body.includes(ESCAPED), 'shown as text');
      assert.ok(!page.body.includes('<script>alert(2)'));
      assert.ok(page.body.includes('&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;'));
    });

    it('escapes a hostile memo in the history', async () => {
      const { browser } = await withHostileMemos();
      const page = await browser.get('/transactions');
      assert.ok(!page.body.includes(XSS));
      assert.ok(page.body.includes(ESCAPED));
      assert.ok(!page.body.includes('<script>alert(2)'));
    });

    it('keeps a hostile memo inert in the CSV: quoted text, a download, no sniffing, formulas defused', async () => {
      const { browser } = await withHostileMemos();
      const csv = await browser.get('/transactions.csv');
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), /^attachment;/);
      assert.equal(csv.headers['x-content-type-options'], 'nosniff');
      const lines = csv.body.split('\r\n');
      assert.ok(
        lines.some((l) => l.endsWith(`,"${XSS}"`)),
        'the memo is plain, quoted text in its own field',
      );
      assert.ok(
        lines.some((l) => l.endsWith(',"\'=HYPERLINK(""http://evil.example"",""x"")"')),
        'a formula is prefixed and quoted',
      );
      assert.ok(lines.some((l) => l.endsWith(',"""><script>alert(2)</script>"')));
    });

    it('escapes what a visitor typed when a form is shown again', async () => {
      const { browser } = await signedIn(h, 'typist');
      await browser.get('/transfer');
      const page = await browser.post('/transfer', { to: '"><img src=x onerror=alert(3)>', amount: '<b>1</b>', memo: XSS, idempotency_key: browser.formKey() });
      assert.equal(page.status, 400);
      assert.ok(!page.body.includes('<img src=x onerror=alert(3)>'));
      assert.ok(!page.body.includes('<b>1</b>'));
      assert.ok(page.body.includes('value="&quot;&gt;&lt;img src=x onerror=alert(3)&gt;"'));
      const login = await browser.get(`/login?next=${encodeURIComponent('/transactions?x="><script>alert(4)</script>')}`);
      assert.ok(!login.body.includes('<script>alert(4)'));
    });
  });
}
