/**
 * A support user freezes an account after a customer's call, in real Chromium (issue 15 "Done
 * means", part A). The support user is made as an operator makes one: `minibank admin grant` on the
 * server's command line (a child process on the server's DATA_DIR), TOTP turned on through the API
 * (codes computed here with otpauth, as an authenticator app would). They sign in with password and
 * code, find the customer by username in /admin, open the account and freeze it with a reason; the
 * customer then signs in and sees the account frozen and why, and the API agrees. Screenshots of the
 * console pages (search, customer, account with the freeze form) and the customer's dashboard.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiCall, apiCustomer, appCode, enrolTotpThroughApi } from './bank-api.js';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { assertFlash, pathOf, signInHere, submit } from './pages.js';
import { screenshot } from './screenshots.js';
import { runCli } from './server-process.js';

const PASSWORD = 'a passphrase long enough for minibank';
const REASON = 'Customer called 14:02: phone stolen, asked us to stop all payments';

interface Me {
  accounts: { id: string; status: string; balance: number }[];
}

describe("the operators' console in Chromium: a support user freezes an account after a customer's call", { skip: chromiumSkipReason() }, () => {
  const suite = chromiumSuite();

  it('support signs in with password and code, finds the customer by username, freezes the account with a reason, and the customer sees it frozen and why', async () => {
    const origin = suite.server.origin;
    // The customer, with some money, and the future support user with TOTP on (through the API).
    const { auth: alice, accountId } = await apiCustomer(origin, 'alice', PASSWORD);
    await apiCall(origin, 'POST', '/deposits', {
      body: { account_id: accountId, amount: 125000, memo: 'salary' },
      expect: 201,
      headers: { ...alice, 'idempotency-key': crypto.randomUUID() },
    });
    const sam = await apiCustomer(origin, 'sam', PASSWORD);
    const secret = await enrolTotpThroughApi(origin, sam.token, PASSWORD, (key) => appCode(key));

    // The role, granted on the server's command line as the operator would.
    const grant = await runCli(suite.server, ['admin', 'grant', 'sam', 'support']);
    assert.equal(grant.status, 0, grant.stdout + grant.stderr);
    assert.match(grant.stdout, /granted support to sam/);

    const staff = await suite.newContext();
    const customer = await suite.newContext();
    try {
      const page = await staff.newPage();
      await page.goto(`${origin}/login`);
      await signInHere(page, 'sam', PASSWORD);
      assert.equal(pathOf(page), '/login/second-factor', 'staff sign in with a second factor');
      // The enrolment used this step's code: the app's next one (one step ahead is accepted).
      await page.fill('#code', appCode(secret, 1));
      await submit(page, page.getByTestId('second-factor-submit'));
      assert.equal(pathOf(page), '/dashboard');

      // Alice calls: her phone was stolen. Sam finds her by the username she gives.
      await page.goto(`${origin}/admin`);
      assert.equal(await page.getByTestId('admin-nav').isVisible(), true, 'the console has its own navigation');
      await page.fill('#q', 'alice');
      await submit(page, page.getByTestId('admin-search-submit'));
      assert.equal(pathOf(page), '/admin?q=alice');
      const results = page.getByTestId('admin-result');
      assert.equal(await results.count(), 1);
      assert.match((await results.textContent()) ?? '', /alice[\s\S]*\$1,250\.00[\s\S]*active/);
      await screenshot(page, 'admin-search');

      await submit(page, page.getByTestId('admin-result-link'));
      assert.match(pathOf(page), /^\/admin\/users\//);
      assert.equal(await page.getByTestId('admin-account-row').count(), 1);
      await screenshot(page, 'admin-customer');

      await submit(page, page.getByTestId('admin-account-link'));
      assert.equal(pathOf(page), `/admin/accounts/${accountId}`);
      assert.equal((await page.getByTestId('admin-account-status').textContent())?.trim(), 'active');
      assert.equal(await page.getByTestId('admin-history').locator('tbody tr').count(), 1, 'the deposit');
      await page.fill('#freeze-reason', REASON);
      await screenshot(page, 'admin-account');
      await submit(page, page.getByTestId('freeze-submit'));
      assert.equal(pathOf(page), `/admin/accounts/${accountId}`, 'POST-redirect-GET back to the account');
      await assertFlash(page, /Froze Main/);
      assert.equal((await page.getByTestId('admin-account-status').textContent())?.trim(), `frozen — ${REASON}`);
      assert.match((await page.getByTestId('freeze-submit').textContent()) ?? '', /Unfreeze this account/);

      // The customer signs in and sees the account frozen, and why; the API says frozen too.
      const own = await customer.newPage();
      await own.goto(`${origin}/login`);
      await signInHere(own, 'alice', PASSWORD);
      assert.equal(pathOf(own), '/dashboard');
      assert.match((await own.getByTestId('frozen-notice').textContent()) ?? '', /This account is frozen by the bank: no money can move in or out of it\./);
      assert.equal(await own.getByTestId('frozen-reason').textContent(), REASON);
      assert.equal((await own.getByTestId('account-status').textContent())?.startsWith('Frozen'), true);
      await screenshot(own, 'dashboard-frozen');
      await own.goto(`${origin}/withdraw`);
      assert.equal(await own.getByTestId('frozen-reason').textContent(), REASON, 'the money form says so before anything is typed');
      const after = await apiCall<Me>(origin, 'GET', '/me', { expect: 200, headers: alice });
      assert.equal(after.accounts[0]!.status, 'frozen');
      assert.equal(after.accounts[0]!.balance, 125000, 'nothing moved');
    } finally {
      await staff.close();
      await customer.close();
    }
  });
});
