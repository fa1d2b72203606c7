import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, type Harness } from '../helpers/harness.js';
import { Browser, signedIn } from './browser.js';

const JUNK = ['\u0000', 'a\u0000b', '\ud800', '💸'.repeat(300), 'x'.repeat(5000), "' or 1=1 --", '%00', '\u202e1.00', '١٢٣', ' ', '1'.repeat(40)];

const FORMS: [string, string[]][] = [
  ['/deposit', ['amount', 'memo', 'idempotency_key']],
  ['/withdraw', ['amount', 'memo', 'idempotency_key']],
  ['/transfer', ['to', 'amount', 'memo', 'idempotency_key', 'step']],
  ['/settings/password', ['current_password', 'new_password']],
  ['/settings/sessions/revoke', ['session']],
];

for (const dialect of await dialects()) {
  describe(`hostile form input (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    it('never answers junk in any form field with a 500, and keeps the books balanced', async () => {
      const { browser, user } = await signedIn(h, 'fuzzed');
      await h.user('fuzzpeer');
      await h.deposit(user, 10_000);
      for (const [path, fields] of FORMS) {
        for (const name of fields) {
          for (const junk of JUNK) {
            await browser.get(path === '/settings/password' || path.startsWith('/settings/') ? '/settings' : path);
            const valid: Record<string, string> = {
              to: 'fuzzpeer',
              amount: '1',
              memo: '',
              idempotency_key: browser.formKey() || 'k'.repeat(20),
              step: 'review',
              current_password: 'nope nope nope nope',
              new_password: 'x',
              session: 'y',
            };
            const res = await browser.post(path, { ...valid, [name]: junk });
            assert.ok(res.status < 500, `${path} ${name}=${JSON.stringify(junk.slice(0, 12))}: ${res.status}`);
          }
        }
      }
      const total = await h.app.ctx.storage.db.selectFrom('accounts').select('balance').execute();
      assert.equal(
        total.reduce((sum, a) => sum + BigInt(a.balance), 0n),
        0n,
        'every movement stayed double-entry',
      );
    });

    it('never answers junk in sign-in or sign-up with a 500', async () => {
      for (const junk of JUNK) {
        for (const [path, field] of [
          ['/login', 'username'],
          ['/login', 'password'],
          ['/login', 'next'],
          ['/signup', 'username'],
          ['/signup', 'password'],
        ] as const) {
          const browser = new Browser(h.app);
          await browser.get(path);
          const res = await browser.post(path, { username: 'someone', password: 'a long enough passphrase here', [field]: junk });
          assert.ok(res.status < 500, `${path} ${field}=${JSON.stringify(junk.slice(0, 12))}: ${res.status}`);
        }
      }
    });

    it('never answers junk in a query string with a 500', async () => {
      const { browser } = await signedIn(h, 'queried');
      for (const junk of JUNK) {
        const q = junk === '\ud800' ? '%ED%A0%80' : encodeURIComponent(junk);
        for (const url of [
          `/transactions?from=${q}`,
          `/transactions?to=${q}`,
          `/transactions?type=${q}`,
          `/transactions?after=${q}`,
          `/transactions.csv?type=${q}&from=${q}`,
          `/transfer?to=${q}`,
          `/login?next=${q}`,
        ]) {
          const res = await browser.get(url);
          assert.ok(res.status < 500, `${url}: ${res.status}`);
        }
      }
    });
  });
}
