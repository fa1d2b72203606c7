/**
 * Issue 15: "a frozen account neither sends nor receives, and its owner sees why". After a support
 * user freezes an account with a reason (the operators' API), its owner sees that it is frozen and
 * the reason, escaped, on the dashboard, on /accounts and on every money form; a withdrawal from it
 * is refused beside the form with nothing moved; after the unfreeze every notice is gone. The
 * dashboard still reads no more than an unfrozen one (the reason comes with the accounts read).
 * Both databases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { QueryKind } from '../../src/storage/query-observers.js';
import { auth, dialects, ledgerSnapshot, withHarness, type Harness } from '../helpers/harness.js';
import { manualClock } from '../helpers/second-factor.js';
import { staffUser } from '../helpers/staff.js';
import { signedIn, type Browser } from './browser.js';

const REASON = 'Card <stolen> & "phone" lost';
const ESCAPED = 'Card &lt;stolen&gt; &amp; &quot;phone&quot; lost';

async function dashboardReads(h: Harness, browser: Browser): Promise<{ body: string; kinds: QueryKind[] }> {
  const kinds: QueryKind[] = [];
  const stop = h.app.ctx.storage.observeQueries((q) => kinds.push(q.kind));
  try {
    const page = await browser.get('/dashboard');
    assert.equal(page.status, 200);
    return { body: page.body, kinds };
  } finally {
    stop();
  }
}

for (const dialect of await dialects()) {
  describe(`a frozen account, as its owner sees it (${dialect})`, () => {
    it('shows the owner that it is frozen and why on the dashboard, /accounts and the money forms, refuses a withdrawal, and forgets it all when unfrozen', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const { browser, user: alice } = await signedIn(h, 'alice');
        await h.deposit(alice, 2500);
        const sam = await staffUser(h, 'sam', 'support', clock);
        const before = await dashboardReads(h, browser);
        assert.doesNotMatch(before.body, /data-testid="frozen-notice"/, 'an open account has no notice');

        const frozen = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/accounts/${alice.accountId}/freeze`,
          headers: auth(sam),
          payload: { reason: REASON },
        });
        assert.equal(frozen.statusCode, 200, frozen.body);

        const dashboard = await dashboardReads(h, browser);
        assert.deepEqual(dashboard.kinds, before.kinds, 'the reason costs the dashboard no extra statement');
        assert.match(dashboard.body, /data-testid="frozen-notice"/);
        assert.match(dashboard.body, new RegExp(`data-testid="frozen-reason">${ESCAPED}<`));
        assert.match(dashboard.body, new RegExp(`data-testid="account-frozen-reason">Frozen by the bank: ${ESCAPED}<`), 'the accounts list says why too');
        assert.ok(!dashboard.body.includes(REASON), 'the reason is escaped');
        assert.doesNotMatch(dashboard.body, />sam</, 'the owner is not told who froze it');

        const accounts = await browser.get('/accounts');
        assert.match(accounts.body, /data-testid="account-frozen">Frozen by the bank/);
        assert.match(accounts.body, new RegExp(`data-testid="account-frozen-reason">${ESCAPED}<`));
        for (const form of ['/withdraw', '/transfer', '/deposit']) {
          const page = await browser.get(form);
          assert.equal(page.status, 200, form);
          assert.match(page.body, /This account is frozen by the bank: no money can move in or out of it\./, form);
          assert.match(page.body, new RegExp(`data-testid="frozen-reason">${ESCAPED}<`), form);
        }

        await browser.get('/withdraw');
        const ledger = await ledgerSnapshot(h.app);
        const refused = await browser.post('/withdraw', { account: alice.accountId, amount: '5', memo: '', idempotency_key: browser.formKey() });
        assert.equal(refused.status, 422);
        assert.match(refused.body, /This account is frozen; no money can move in or out\./);
        assert.equal(await ledgerSnapshot(h.app), ledger, 'nothing moved');
        assert.equal(await h.balance(alice.accountId), 2500n);

        const unfrozen = await h.inject({
          method: 'POST',
          url: `/api/v1/admin/accounts/${alice.accountId}/unfreeze`,
          headers: auth(sam),
          payload: { reason: 'Customer found the card' },
        });
        assert.equal(unfrozen.statusCode, 200, unfrozen.body);
        for (const url of ['/dashboard', '/accounts', '/withdraw', '/transfer']) {
          const page = await browser.get(url);
          assert.doesNotMatch(page.body, /frozen-notice|account-frozen|frozen-reason/, url);
          assert.ok(!page.body.includes(ESCAPED), url);
        }
      });
    });
  });
}
