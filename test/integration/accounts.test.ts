/**
 * Issue 14 item 1, contract "Accounts (round 2)": opening, renaming and closing accounts through
 * the API, on every dialect. Every refusal is checked to have changed nothing (ledger and accounts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, createHarness, dialects, ledgerSnapshot, waitForLockWait, withHarness, type Harness, type TestUser } from '../helpers/harness.js';

type Response = Awaited<ReturnType<Harness['inject']>>;

function assertError(res: Response, status: number, code: string, param?: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.equal(res.json().error.code, code);
  if (param !== undefined) assert.equal(res.json().error.param, param);
}

/** Everything a refused account change must leave as it was: the ledger, and every account's name and closing. */
async function snapshot(h: Harness): Promise<string> {
  const rows = await h.app.ctx.storage.db.selectFrom('accounts').select(['id', 'name', 'closed_at']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const open = (h: Harness, user: TestUser, payload: object = {}) => h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(user), payload });
const rename = (h: Harness, user: TestUser, id: string, payload: object) =>
  h.inject({ method: 'PATCH', url: `/api/v1/accounts/${id}`, headers: auth(user), payload });
const close = (h: Harness, user: TestUser, id: string) => h.inject({ method: 'POST', url: `/api/v1/accounts/${id}/close`, headers: auth(user) });
const move = (h: Harness, user: TestUser, path: string, payload: object) => h.inject({ method: 'POST', url: `/api/v1/${path}`, headers: auth(user), payload });

for (const dialect of await dialects()) {
  describe(`accounts API (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      [alice, bob] = [await h.user('alice'), await h.user('bob')];
    });
    after(() => h.close());

    it('names the first account "Main", shows it active, and lists every account in GET /me', async () => {
      const me = (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).json();
      assert.equal(me.accounts.length, 1);
      assert.equal(me.accounts[0].name, 'Main');
      assert.equal(me.accounts[0].status, 'active');
      const res = await open(h, alice, { currency: 'EUR', name: 'Holidays' });
      assert.equal(res.statusCode, 201, res.body);
      const account = res.json();
      assert.deepEqual([account.currency, account.name, account.status, account.balance], ['EUR', 'Holidays', 'active', 0]);
      const after = (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).json();
      assert.deepEqual(
        after.accounts.map((a: { id: string }) => a.id),
        [alice.accountId, account.id],
      );
      assert.deepEqual((await h.inject({ method: 'GET', url: `/api/v1/accounts/${account.id}`, headers: auth(alice) })).json(), account);
    });

    it('opens in the default currency with a default name when the body says nothing', async () => {
      const res = await open(h, bob);
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().currency, res.json().name], ['USD', 'USD account']);
    });

    it('refuses a currency outside CURRENCIES with 400 param currency and opens nothing', async () => {
      const before = await snapshot(h);
      for (const currency of ['CHF', 'usd', 'XXXX', '']) assertError(await open(h, alice, { currency }), 400, 'invalid_request', 'currency');
      assert.equal(await snapshot(h), before);
    });

    it('refuses bad names on open and rename (empty, 41 characters, control characters) and changes nothing', async () => {
      const before = await snapshot(h);
      for (const name of ['', '   ', 'x'.repeat(41), 'tab\there', 'line\nbreak', 'bidi\u202eevil', 'nul\u0000']) {
        assertError(await open(h, alice, { name }), 400, 'invalid_request', 'name');
        assertError(await rename(h, alice, alice.accountId, { name }), 400, 'invalid_request', 'name');
      }
      assertError(await rename(h, alice, alice.accountId, {}), 400, 'invalid_request');
      assert.equal(await snapshot(h), before);
    });

    it('renames an account to 40 characters (emoji count as one), trimmed', async () => {
      const name = '🏠'.repeat(39) + 'x';
      const res = await rename(h, alice, alice.accountId, { name: `  ${name} ` });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().name, name);
      assert.equal((await rename(h, alice, alice.accountId, { name: 'Main' })).json().name, 'Main');
    });

    it("answers 404 for another user's account on every account route, and changes nothing", async () => {
      const before = await snapshot(h);
      for (const id of [bob.accountId, 'no-such-account']) {
        assertError(await rename(h, alice, id, { name: 'Mine now' }), 404, 'not_found');
        assertError(await close(h, alice, id), 404, 'not_found');
        assertError(await h.inject({ method: 'GET', url: `/api/v1/accounts/${id}`, headers: auth(alice) }), 404, 'not_found');
      }
      assert.equal(await snapshot(h), before);
    });

    it("refuses to close the user's only open account with last_account", async () => {
      const carol = await h.user('carol');
      const before = await snapshot(h);
      assertError(await close(h, carol, carol.accountId), 422, 'last_account');
      assert.equal(await snapshot(h), before);
    });

    it('refuses to close an account that holds money with account_not_empty; closes it once emptied', async () => {
      const dave = await h.user('dave');
      const second = (await open(h, dave, { name: 'Pot' })).json();
      assert.equal((await move(h, dave, 'deposits', { account_id: second.id, amount: 1 })).statusCode, 201);
      const before = await snapshot(h);
      assertError(await close(h, dave, second.id), 422, 'account_not_empty');
      assert.equal(await snapshot(h), before);
      assert.equal((await move(h, dave, 'transfers', { from_account_id: second.id, to: dave.accountNumber, amount: 1 })).statusCode, 201);
      const res = await close(h, dave, second.id);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([res.json().status, res.json().balance], ['closed', 0]);
      // Closing again answers the closed account as it is.
      assert.deepEqual((await close(h, dave, second.id)).json(), res.json());
      // The other account is now the last open one.
      assertError(await close(h, dave, dave.accountId), 422, 'last_account');
    });

    it('refuses every movement into or out of a closed account with account_closed and moves nothing', async () => {
      const erin = await h.user('erin');
      await h.deposit(erin, 500);
      await h.deposit(bob, 500);
      const closed = (await open(h, erin, { name: 'Old' })).json();
      assert.equal((await close(h, erin, closed.id)).statusCode, 200);
      const before = await snapshot(h);
      assertError(await move(h, erin, 'deposits', { account_id: closed.id, amount: 5 }), 422, 'account_closed');
      assertError(await move(h, erin, 'withdrawals', { account_id: closed.id, amount: 5 }), 422, 'account_closed');
      assertError(await move(h, erin, 'transfers', { from_account_id: closed.id, to: bob.accountNumber, amount: 5 }), 422, 'account_closed');
      assertError(await move(h, erin, 'transfers', { from_account_id: erin.accountId, to: closed.number, amount: 5 }), 422, 'account_closed');
      assertError(await move(h, bob, 'transfers', { from_account_id: bob.accountId, to: closed.number, amount: 5 }), 422, 'account_closed');
      assert.equal(await snapshot(h), before);
      // Still visible, marked closed; renaming it moves no money and is allowed.
      const read = (await h.inject({ method: 'GET', url: `/api/v1/accounts/${closed.id}`, headers: auth(erin) })).json();
      assert.equal(read.status, 'closed');
      assert.equal((await rename(h, erin, closed.id, { name: 'Closed pot' })).json().name, 'Closed pot');
    });

    it("moves money between a user's own accounts by account number; another currency stays currency_mismatch", async () => {
      const frank = await h.user('frank');
      await h.deposit(frank, 1000);
      const savings = (await open(h, frank, { name: 'Savings' })).json();
      const euros = (await open(h, frank, { currency: 'EUR' })).json();
      const res = await move(h, frank, 'transfers', { from_account_id: frank.accountId, to: savings.number, amount: 300 });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().transaction.counterparty.username, 'frank');
      assert.deepEqual([await h.balance(frank.accountId), await h.balance(savings.id)], [700n, 300n]);
      const before = await snapshot(h);
      assertError(await move(h, frank, 'transfers', { from_account_id: frank.accountId, to: euros.number, amount: 1 }), 422, 'currency_mismatch');
      assertError(await move(h, frank, 'transfers', { from_account_id: frank.accountId, to: frank.accountNumber, amount: 1 }), 422, 'same_account');
      assert.equal(await snapshot(h), before);
      // Paying frank by username reaches his first open account in the payer's currency.
      assert.equal((await move(h, bob, 'transfers', { from_account_id: bob.accountId, to: 'frank', amount: 10 })).statusCode, 201);
      assert.equal(await h.balance(frank.accountId), 710n);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it("pays a username's first open account once their first account is closed", async () => {
      const kim = await h.user('kim');
      const second = (await open(h, kim, { name: 'Second' })).json();
      assert.equal((await close(h, kim, kim.accountId)).statusCode, 200);
      await h.deposit(bob, 50);
      const res = await move(h, bob, 'transfers', { from_account_id: bob.accountId, to: 'kim', amount: 20 });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().transaction.counterparty.account_number, second.number);
      assert.deepEqual([await h.balance(kim.accountId), await h.balance(second.id)], [0n, 20n]);
      const payee = (await h.inject({ method: 'GET', url: '/api/v1/payees?to=kim', headers: auth(bob) })).json();
      assert.equal(payee.account_number, second.number);
    });
  });

  describe(`accounts API: limits and races (${dialect})`, () => {
    it('opens at most MAX_ACCOUNTS_PER_USER accounts from 10 parallel requests; closed ones do not count', async () => {
      await withHarness(dialect, { config: { maxAccountsPerUser: 3 } }, async (h) => {
        const gina = await h.user('gina');
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => open(h, gina, { name: `Pot ${i}` })));
        const codes = results.map((r) => r.statusCode).sort();
        assert.deepEqual(codes, [201, 201, 422, 422, 422, 422, 422, 422, 422, 422]);
        for (const r of results.filter((x) => x.statusCode === 422)) assertError(r, 422, 'limit_reached');
        const me = (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(gina) })).json();
        assert.equal(me.accounts.length, 3);
        const before = await snapshot(h);
        assertError(await open(h, gina), 422, 'limit_reached');
        assert.equal(await snapshot(h), before);
        assert.equal((await close(h, gina, me.accounts[2].id)).statusCode, 200);
        assert.equal((await open(h, gina)).statusCode, 201);
      });
    });

    it('closes at most all but one of the open accounts when every close races', async () => {
      await withHarness(dialect, async (h) => {
        const hank = await h.user('hank');
        for (let i = 0; i < 3; i++) assert.equal((await open(h, hank)).statusCode, 201);
        const ids = (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(hank) })).json().accounts.map((a: { id: string }) => a.id);
        const results = await Promise.all(ids.map((id: string) => close(h, hank, id)));
        assert.deepEqual(results.map((r) => r.statusCode).sort(), [200, 200, 200, 422]);
        const statuses = (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(hank) })).json().accounts.map((a: { status: string }) => a.status);
        assert.equal(statuses.filter((s: string) => s === 'active').length, 1);
      });
    });

    it('refuses a transfer into an account whose close commits while the transfer waits', async () => {
      await withHarness(dialect, async (h) => {
        const [ivy, jack] = [await h.user('ivy'), await h.user('jack')];
        await h.deposit(ivy, 100);
        const target = (await open(h, jack)).json();
        const before = JSON.parse(await ledgerSnapshot(h.app));
        let pending: Promise<Response> | undefined;
        const start = () => move(h, ivy, 'transfers', { from_account_id: ivy.accountId, to: target.number, amount: 10 });
        if (dialect === 'postgres') {
          // Another connection holds the payee's row lock while it closes the account; the transfer queues behind it.
          const client = new pg.Client({ connectionString: h.config.databaseUrl });
          await client.connect();
          try {
            await client.query('begin');
            await client.query('update accounts set closed_at = 1 where id = $1', [target.id]);
            pending = start();
            await waitForLockWait(h);
            await client.query('commit');
          } finally {
            await client.end();
          }
        } else {
          // SQLite: the close holds the only write lock; the transfer starts meanwhile and runs after it.
          await h.app.ctx.storage.writeTransaction(async (trx) => {
            await trx.updateTable('accounts').set({ closed_at: 1n }).where('id', '=', target.id).execute();
            pending = start();
          });
        }
        assertError(await pending!, 422, 'account_closed');
        assert.deepEqual(JSON.parse(await ledgerSnapshot(h.app)), before);
      });
    });
  });
}
