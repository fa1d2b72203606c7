/**
 * Issue 11 class 3, ambiguous payees: anything shaped like an account number (digits, with spaces
 * or dashes) is only ever an account number. A typo in one is 400 invalid_request "check the account
 * number", never retried as a username, so a user named like the typo cannot receive money meant for
 * someone else. New usernames must contain a letter; all-digit names made before keep signing in and
 * are paid by account number. GET /api/v1/payees confirms a payee the way a transfer resolves it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { makeAccountNumber } from '../../src/domain/account-number.js';
import { auth, createHarness, dialects, ledgerSnapshot, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';
import { Browser, signedIn } from '../pages/browser.js';

/** The number with its first pair of different adjacent digits swapped: MOD 97-10 always catches it. */
function transposed(number: string): string {
  for (let i = 0; i < number.length - 1; i++) {
    if (number[i] !== number[i + 1]) return number.slice(0, i) + number[i + 1] + number[i] + number.slice(i + 2);
  }
  throw new Error(`no adjacent digits differ in ${number}`);
}

/** The ways people write a 12-digit number: plain, grouped by spaces, by dashes, mixed, pasted with en dashes. */
function styles(number: string): string[] {
  const [a, b, c] = [number.slice(0, 4), number.slice(4, 8), number.slice(8)];
  return [number, `${a} ${b} ${c}`, `${a}-${b}-${c}`, ` ${a}-${b} ${c} `, `${a}\u2013${b}\u2013${c}`, `${a} - ${b} - ${c}`];
}

for (const dialect of await dialects()) {
  describe(`ambiguous payees (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    /** A user from before the letter rule, named exactly like a typo of bob's number. */
    let squatter: { username: string; accountId: string; accountNumber: string };

    /** Inserts a user the way an older version let them sign up: an all-digit name, with alice's password. */
    async function legacyUser(username: string, randomDigits: string) {
      const db = h.app.ctx.storage.db;
      const { password_hash } = await db.selectFrom('users').select('password_hash').where('id', '=', alice.userId).executeTakeFirstOrThrow();
      const [userId, accountId, accountNumber] = [crypto.randomUUID(), crypto.randomUUID(), makeAccountNumber(randomDigits)];
      await sql`insert into users (id, username, password_hash, created_at) values (${userId}, ${username}, ${password_hash}, ${1n})`.execute(db);
      await sql`insert into accounts (id, number, user_id, kind, currency, balance, status, created_at)
                values (${accountId}, ${accountNumber}, ${userId}, 'user', ${h.config.currency}, ${0n}, 'active', ${1n})`.execute(db);
      return { username, accountId, accountNumber };
    }

    before(async () => {
      h = await createHarness(dialect);
      [alice, bob] = [await h.user('alice'), await h.user('bob')];
      await h.deposit(alice, 10_000);
      squatter = await legacyUser(transposed(bob.accountNumber), '5555500001');
    });
    after(() => h.close());

    const transfer = (to: string, amount = 100) =>
      h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(alice), payload: { from_account_id: alice.accountId, to, amount } });
    const payees = (to: string | undefined, headers: Record<string, string> = auth(alice)) =>
      h.inject({ method: 'GET', url: to === undefined ? '/api/v1/payees' : `/api/v1/payees?to=${encodeURIComponent(to)}`, headers });

    it("refuses the issue's all-digit usernames at sign-up, on the API and the page", async () => {
      const before = await ledgerSnapshot(h.app);
      for (const username of ['100000000093', '8596-7788-0515', '1234_5678', '12.34', '000']) {
        const res = await h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username, password: PASSWORD } });
        assert.equal(res.statusCode, 400, `${username}: ${res.body}`);
        assert.deepEqual([res.json().error.code, res.json().error.param], ['invalid_request', 'username']);
        assert.match(res.json().error.message, /letter/);
      }
      const browser = new Browser(h.app);
      await browser.get('/signup');
      const page = await browser.post('/signup', { username: '100000000093', password: PASSWORD });
      assert.equal(page.status, 400);
      assert.match(page.body, /id="username-error"[^\n]*letter/);
      assert.equal(await ledgerSnapshot(h.app), before, 'no user was created');
      // A letter anywhere is enough.
      const ok = await h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: '100000000093x', password: PASSWORD } });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    it('refuses a mistyped account number in every separator style and never pays the user named like the typo', async () => {
      const before = await ledgerSnapshot(h.app);
      for (const typo of styles(squatter.username)) {
        const res = await transfer(typo);
        assert.equal(res.statusCode, 400, `${JSON.stringify(typo)}: ${res.body}`);
        const { code, param, message } = res.json().error;
        assert.deepEqual([code, param], ['invalid_request', 'to'], typo);
        assert.match(message, /check the account number/, typo);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
      assert.equal(await h.balance(squatter.accountId), 0n);
    });

    it('reads a number-shaped payee only as an account number, even when a user has that exact name', async () => {
      // The example: a user named like a valid number with dashes. The number is nobody's
      // account, so the transfer is not_found, and the user of that name is never paid.
      const dashed = await legacyUser('8596-7788-0515', '5555500002');
      const before = await ledgerSnapshot(h.app);
      for (const to of ['8596-7788-0515', '8596 7788 0515', '859677880515']) {
        const res = await transfer(to);
        assert.equal(res.statusCode, 404, `${to}: ${res.body}`);
        assert.deepEqual([res.json().error.code, res.json().error.param], ['not_found', 'to']);
      }
      // Digits of another script are number-shaped too: refused as a number, not looked up as a name.
      const arabicIndic = await transfer('٨٥٩٦٧٧٨٨٠٥١٥');
      assert.deepEqual([arabicIndic.statusCode, arabicIndic.json().error.param], [400, 'to']);
      assert.equal(await ledgerSnapshot(h.app), before);
      assert.equal(await h.balance(dashed.accountId), 0n);
    });

    it('lets an all-digit legacy user sign in and be paid by account number', async () => {
      const login = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: squatter.username, password: PASSWORD } });
      assert.equal(login.statusCode, 200, login.body);
      for (const to of styles(squatter.accountNumber).slice(0, 3)) {
        const res = await transfer(to, 1);
        assert.equal(res.statusCode, 201, `${to}: ${res.body}`);
        assert.deepEqual(res.json().transaction.counterparty, { username: squatter.username, account_number: squatter.accountNumber });
      }
      assert.equal(await h.balance(squatter.accountId), 3n);
    });

    it('still pays a username that is not shaped like a number', async () => {
      const res = await transfer('Bob', 5);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().transaction.counterparty.account_number, bob.accountNumber);
    });

    it('confirms a payee on GET /api/v1/payees: 200 by number in any style or by name', async () => {
      for (const to of [...styles(bob.accountNumber), 'bob', 'BOB', ' bob ']) {
        const res = await payees(to);
        assert.equal(res.statusCode, 200, `${JSON.stringify(to)}: ${res.body}`);
        assert.deepEqual(res.json(), { username: 'bob', account_number: bob.accountNumber });
      }
      const legacy = await payees(squatter.accountNumber);
      assert.deepEqual(legacy.json(), { username: squatter.username, account_number: squatter.accountNumber });
    });

    it('answers GET /api/v1/payees with 404, 400 and 401 as a transfer would', async () => {
      const cash = await h.app.ctx.storage.db.selectFrom('accounts').select('number').where('kind', '=', 'system').executeTakeFirstOrThrow();
      for (const to of [makeAccountNumber('0000000001'), 'nobody-here', cash.number, '!!', 'ab']) {
        const res = await payees(to);
        assert.equal(res.statusCode, 404, `${to}: ${res.body}`);
        assert.deepEqual([res.json().error.code, res.json().error.param], ['not_found', 'to']);
      }
      for (const typo of styles(squatter.username)) {
        const res = await payees(typo);
        assert.equal(res.statusCode, 400, `${typo}: ${res.body}`);
        assert.deepEqual([res.json().error.code, res.json().error.param], ['invalid_request', 'to']);
        assert.match(res.json().error.message, /check the account number/);
      }
      for (const bad of [undefined, '', 'x'.repeat(65), 'bob\u0000']) assert.equal((await payees(bad)).statusCode, 400, JSON.stringify(bad));
      assert.equal((await payees('bob', {})).statusCode, 401);
      assert.equal((await payees('bob', { authorization: 'Bearer not-a-token' })).statusCode, 401);
      assert.equal((await payees('bob', {})).json().error.code, 'unauthenticated');
    });

    it('tells a web user at the review step to check a mistyped account number, and moves nothing', async () => {
      const { browser } = await signedIn(h, 'webpayer');
      await browser.get('/transfer');
      const before = await ledgerSnapshot(h.app);
      for (const typo of styles(squatter.username).slice(0, 3)) {
        const review = await browser.post('/transfer', { to: typo, amount: '1', idempotency_key: browser.formKey(), step: 'review' });
        assert.equal(review.status, 400, typo);
        assert.match(review.body, /id="to-error"[^\n]*check the account number/, typo);
        const confirm = await browser.post('/transfer', { to: typo, amount: '1', idempotency_key: browser.formKey(), step: 'confirm' });
        assert.equal(confirm.status, 400, typo);
        assert.match(confirm.body, /check the account number/);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });
  });
}
