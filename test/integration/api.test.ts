/**
 * The JSON API against CONTRACT.md, on every dialect: each endpoint's success shape (exact field
 * sets, nothing internal) and each error code reachable through it. Every refused request is also
 * checked to have changed nothing in the ledger. One app per dialect keeps argon2 sign-ups few.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import type { InjectOptions } from 'fastify';
import { parseAccountNumber } from '../../src/domain/account-number.js';
import { getAccount } from '../../src/app/get-profile.js';
import { listTransactions } from '../../src/app/list-transactions.js';
import { checkCredentials } from '../../src/app/sign-in.js';
import { DomainError } from '../../src/domain/errors.js';
import { buildApp } from '../../src/http/app.js';
import { auth, createHarness, dialects, ledgerSnapshot, PASSWORD, TEST_SECRET, type Harness, type TestUser } from '../helpers/harness.js';

type Response = Awaited<ReturnType<Harness['inject']>>;

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const USER_KEYS = ['created_at', 'id', 'username'];
const ACCOUNT_KEYS = ['available_balance', 'balance', 'created_at', 'currency', 'id', 'name', 'number', 'status'];
const TRANSACTION_KEYS = ['amount', 'balance_after', 'counterparty', 'created_at', 'currency', 'direction', 'id', 'memo', 'type'];
const keysOf = (value: object) => Object.keys(value).sort();

/** Asserts the contract's error shape; `param: null` means the error must not name a field. */
function assertError(res: Response, status: number, code: string, param?: string | null): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['error']);
  for (const key of Object.keys(body.error)) assert.ok(['code', 'message', 'param', 'request_id'].includes(key), `unexpected error field ${key}`);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.doesNotMatch(res.body, /\bat .*\.(ts|js):\d+/, 'a stack trace leaked');
  if (param === null) assert.equal(body.error.param, undefined);
  else if (param !== undefined) assert.equal(body.error.param, param);
}

function assertAccountShape(account: Record<string, unknown>): void {
  assert.deepEqual(keysOf(account), ACCOUNT_KEYS);
  assert.equal(typeof account.id, 'string');
  assert.equal(typeof account.number, 'string');
  assert.equal(parseAccountNumber(String(account.number)), account.number);
  assert.equal(account.currency, 'USD');
  assert.ok(Number.isSafeInteger(account.balance));
  assert.match(String(account.created_at), RFC3339_UTC);
}

function assertTransactionShape(transaction: Record<string, unknown>): void {
  assert.deepEqual(keysOf(transaction), TRANSACTION_KEYS);
  assert.ok(['deposit', 'withdrawal', 'transfer'].includes(String(transaction.type)));
  assert.ok(['credit', 'debit'].includes(String(transaction.direction)));
  assert.ok(Number.isSafeInteger(transaction.amount) && Number(transaction.amount) > 0);
  assert.ok(Number.isSafeInteger(transaction.balance_after) && Number(transaction.balance_after) >= 0);
  assert.match(String(transaction.created_at), RFC3339_UTC);
}

for (const dialect of await dialects()) {
  describe(`JSON API (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    let clockOffsetMs = 0;

    before(async () => {
      h = await createHarness(dialect, { clock: { nowMs: () => Date.now() + clockOffsetMs } });
      alice = await h.user('alice');
      bob = await h.user('bob');
      await h.deposit(alice, 100_000);
    });
    after(async () => h.close());

    const json = (method: 'GET' | 'POST', url: string, user: { token: string } | null, payload?: unknown, headers: Record<string, string> = {}) =>
      h.inject({
        method,
        url,
        headers: { ...(user ? auth(user) : {}), ...headers },
        ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
      });
    /** A body sent exactly as written, for JSON that a JavaScript object cannot express. */
    const raw = (url: string, user: { token: string } | null, body: string, contentType = 'application/json') =>
      h.inject({ method: 'POST', url, headers: { ...(user ? auth(user) : {}), 'content-type': contentType }, payload: body });

    /** Sends a request that must be refused, asserts the error, and that the ledger did not change. */
    async function refused(send: () => Promise<Response>, status: number, code: string, param?: string | null): Promise<Response> {
      const before = await ledgerSnapshot(h.app);
      const res = await send();
      assertError(res, status, code, param);
      assert.equal(await ledgerSnapshot(h.app), before, 'a refused request changed the ledger');
      return res;
    }

    describe('POST /api/v1/signup', () => {
      it('creates the user and a first empty account, and answers 201 with exactly the contract fields', async () => {
        const res = await json('POST', '/api/v1/signup', null, { username: 'Carol', password: PASSWORD });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assert.deepEqual(keysOf(body), ['account', 'user']);
        assert.deepEqual(keysOf(body.user), USER_KEYS);
        assert.equal(body.user.username, 'carol');
        assert.match(body.user.created_at, RFC3339_UTC);
        assertAccountShape(body.account);
        assert.equal(body.account.balance, 0);
        assert.doesNotMatch(res.body, /password|hash|argon/i);
      });

      it('refuses a taken username in any case with 409 username_taken, creating nothing', async () => {
        for (const username of ['alice', 'Alice', 'ALICE', ' alice ']) {
          await refused(() => json('POST', '/api/v1/signup', null, { username, password: PASSWORD }), 409, 'username_taken', 'username');
        }
      });

      it('refuses usernames outside 3 to 32 characters of a-z 0-9 . _ -', async () => {
        for (const username of ['ab', 'x'.repeat(33), 'bad name', 'émile', 'a@b.c', '', 'x'.repeat(65)]) {
          await refused(() => json('POST', '/api/v1/signup', null, { username, password: PASSWORD }), 400, 'invalid_request', 'username');
        }
      });

      it('refuses a password that is too short, too long or too common', async () => {
        for (const password of ['short', 'x'.repeat(257), 'password1234', 'dave.smith']) {
          await refused(() => json('POST', '/api/v1/signup', null, { username: 'dave.smith', password }), 400, 'invalid_request', 'password');
        }
      });

      it('refuses missing, extra and wrongly typed fields', async () => {
        await refused(() => json('POST', '/api/v1/signup', null, { username: 'erin' }), 400, 'invalid_request', 'password');
        await refused(() => json('POST', '/api/v1/signup', null, { password: PASSWORD }), 400, 'invalid_request', 'username');
        await refused(() => json('POST', '/api/v1/signup', null, { username: 'erin', password: PASSWORD, is_admin: true }), 400, 'invalid_request', 'is_admin');
        await refused(() => json('POST', '/api/v1/signup', null, { username: 'erin', password: PASSWORD, balance: 1000 }), 400, 'invalid_request', 'balance');
        await refused(() => json('POST', '/api/v1/signup', null, { username: 12345, password: PASSWORD }), 400, 'invalid_request', 'username');
        await refused(() => json('POST', '/api/v1/signup', null, ['erin', PASSWORD]), 400, 'invalid_request');
        await refused(() => raw('/api/v1/signup', null, `{"username":"erin","password":"${PASSWORD}","__proto__":{"is_admin":true}}`), 400, 'invalid_request');
      });
    });

    describe('POST /api/v1/auth/token', () => {
      it('issues a Bearer token with its lifetime, accepting the username in any case', async () => {
        const res = await json('POST', '/api/v1/auth/token', null, { username: 'ALICE', password: PASSWORD });
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json();
        assert.deepEqual(keysOf(body), ['access_token', 'expires_in', 'token_type']);
        assert.equal(body.token_type, 'Bearer');
        assert.equal(body.expires_in, h.config.tokenTtlSeconds);
        const header = JSON.parse(Buffer.from(String(body.access_token).split('.')[0] ?? '', 'base64url').toString());
        assert.equal(header.alg, 'HS256');
        const me = await json('GET', '/api/v1/me', { token: body.access_token });
        assert.equal(me.statusCode, 200);
        assert.equal(me.json().user.username, 'alice');
      });

      it('answers an unknown user and a wrong password with the same 401 and the same body', async () => {
        const unknown = await json('POST', '/api/v1/auth/token', null, { username: 'nobody-here', password: PASSWORD });
        const wrong = await json('POST', '/api/v1/auth/token', null, { username: 'alice', password: `${PASSWORD}!` });
        assertError(unknown, 401, 'unauthenticated', null);
        assertError(wrong, 401, 'unauthenticated', null);
        assert.equal(unknown.body, wrong.body);
      });

      it('checks the password exactly as typed, never trimmed or case-folded', async () => {
        for (const password of [` ${PASSWORD}`, `${PASSWORD} `, PASSWORD.toUpperCase()]) {
          assertError(await json('POST', '/api/v1/auth/token', null, { username: 'alice', password }), 401, 'unauthenticated');
        }
      });

      it('refuses a missing password or extra fields with 400', async () => {
        await refused(() => json('POST', '/api/v1/auth/token', null, { username: 'alice' }), 400, 'invalid_request', 'password');
        await refused(
          () => json('POST', '/api/v1/auth/token', null, { username: 'alice', password: PASSWORD, scope: 'admin' }),
          400,
          'invalid_request',
          'scope',
        );
      });
    });

    describe('authentication', () => {
      it('answers 401 without credentials, with a garbage token and with another scheme', async () => {
        const headerSets: Record<string, string>[] = [
          {},
          { authorization: 'Bearer garbage' },
          { authorization: 'Bearer ' },
          { authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}` },
          { authorization: `bearer ${'x'.repeat(5000)}` },
        ];
        for (const headers of headerSets) {
          const res = await json('GET', '/api/v1/me', null, undefined, headers);
          assertError(res, 401, 'unauthenticated');
          assert.match(String(res.headers['www-authenticate']), /^Bearer/);
        }
      });

      it('refuses forged tokens: wrong secret, unsigned, unknown id, wrong audience', async () => {
        const kid = crypto.createHash('sha256').update(TEST_SECRET).digest('base64url').slice(0, 12);
        const now = Math.floor(Date.now() / 1000);
        const claims = (jwt: SignJWT, audience = h.config.tokenAudience) =>
          jwt
            .setSubject(alice.userId)
            .setJti(crypto.randomUUID())
            .setIssuer(h.config.tokenIssuer)
            .setAudience(audience)
            .setIssuedAt(now)
            .setNotBefore(now)
            .setExpirationTime(now + 600);
        const wrongSecret = await claims(new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid })).sign(
          new TextEncoder().encode('another-secret-that-is-also-32-bytes-long'),
        );
        const unknownJti = await claims(new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid })).sign(new TextEncoder().encode(TEST_SECRET));
        const wrongAudience = await claims(new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid }), 'someone-else').sign(
          new TextEncoder().encode(TEST_SECRET),
        );
        const [, payload] = alice.token.split('.');
        const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
        const tampered = alice.token.replace(
          /\.([^.]*)\./,
          (_m, p: string) =>
            `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: bob.userId })).toString('base64url')}.`,
        );
        for (const token of [wrongSecret, unknownJti, wrongAudience, unsigned, tampered]) {
          assertError(await json('GET', '/api/v1/me', { token }), 401, 'unauthenticated');
        }
      });

      it('refuses an expired token', async () => {
        const login = await json('POST', '/api/v1/auth/token', null, { username: 'alice', password: PASSWORD });
        const token = login.json().access_token as string;
        assert.equal((await json('GET', '/api/v1/me', { token })).statusCode, 200);
        clockOffsetMs = (h.config.tokenTtlSeconds + 5) * 1000;
        try {
          assertError(await json('GET', '/api/v1/me', { token }), 401, 'unauthenticated');
        } finally {
          clockOffsetMs = 0;
        }
      });

      it('checks the token before reading the body: a bad body without a token is still 401', async () => {
        await refused(() => raw('/api/v1/deposits', null, '{not json'), 401, 'unauthenticated');
      });
    });

    describe('POST /api/v1/auth/logout', () => {
      it("answers 204 and kills that token at once, leaving the user's other tokens alive", async () => {
        const first = (await json('POST', '/api/v1/auth/token', null, { username: 'bob', password: PASSWORD })).json().access_token as string;
        const second = (await json('POST', '/api/v1/auth/token', null, { username: 'bob', password: PASSWORD })).json().access_token as string;
        const res = await json('POST', '/api/v1/auth/logout', { token: first });
        assert.equal(res.statusCode, 204);
        assert.equal(res.body, '');
        assertError(await json('GET', '/api/v1/me', { token: first }), 401, 'unauthenticated');
        assertError(await json('POST', '/api/v1/auth/logout', { token: first }), 401, 'unauthenticated');
        assertError(await json('POST', '/api/v1/deposits', { token: first }, { account_id: bob.accountId, amount: 1 }), 401, 'unauthenticated');
        assert.equal((await json('GET', '/api/v1/me', { token: second })).statusCode, 200);
      });

      it('answers 401 without a token', async () => {
        assertError(await json('POST', '/api/v1/auth/logout', null), 401, 'unauthenticated');
      });
    });

    describe('GET /api/v1/me', () => {
      it('returns the user and their accounts with exactly the contract fields', async () => {
        const res = await json('GET', '/api/v1/me', alice);
        assert.equal(res.statusCode, 200);
        const body = res.json();
        assert.deepEqual(keysOf(body), ['accounts', 'email', 'mfa', 'user']);
        // Contract "Second factor": `mfa: {totp, passkeys}`; nothing on yet.
        assert.deepEqual(body.mfa, { totp: false, passkeys: 0 });
        // Contract "Recovery and notifications": no address given yet.
        assert.equal(body.email, null);
        assert.deepEqual(keysOf(body.user), USER_KEYS);
        assert.deepEqual(body.user.id, alice.userId);
        assert.equal(body.user.username, 'alice');
        assert.equal(body.accounts.length, 1);
        assertAccountShape(body.accounts[0]);
        assert.equal(body.accounts[0].id, alice.accountId);
        assert.equal(BigInt(body.accounts[0].balance), await h.balance(alice.accountId));
        assert.doesNotMatch(res.body, /password|hash|argon|jti|token/i);
      });
    });

    describe('GET /api/v1/accounts/{account_id}', () => {
      it("returns the caller's own account", async () => {
        const res = await json('GET', `/api/v1/accounts/${alice.accountId}`, alice);
        assert.equal(res.statusCode, 200);
        assertAccountShape(res.json());
        assert.equal(res.json().number, alice.accountNumber);
      });

      it("answers another user's account and a missing one with the same 404", async () => {
        const others = await refused(() => json('GET', `/api/v1/accounts/${bob.accountId}`, alice), 404, 'not_found');
        const missing = await refused(() => json('GET', `/api/v1/accounts/${crypto.randomUUID()}`, alice), 404, 'not_found');
        assert.equal(others.body, missing.body);
        const cash = await h.app.ctx.storage.db.selectFrom('accounts').select('id').where('kind', '=', 'system').executeTakeFirstOrThrow();
        const system = await refused(() => json('GET', `/api/v1/accounts/${cash.id}`, alice), 404, 'not_found');
        assert.equal(system.body, missing.body);
      });

      it('refuses an over-long account id with 400', async () => {
        await refused(() => json('GET', `/api/v1/accounts/${'a'.repeat(65)}`, alice), 400, 'invalid_request');
      });
    });

    describe('GET /api/v1/accounts/{account_id}/transactions', () => {
      let pager: TestUser;
      const ids: string[] = [];
      const page = (query: string, user: TestUser = pager, accountId = pager.accountId) =>
        json('GET', `/api/v1/accounts/${accountId}/transactions${query}`, user);

      before(async () => {
        pager = await h.user('pager');
        // 25 deposits of 1..25 cents: amount n is the nth oldest, so pages are easy to predict.
        for (let n = 1; n <= 25; n++) {
          const res = await json('POST', '/api/v1/deposits', pager, { account_id: pager.accountId, amount: n, memo: `deposit ${n}` });
          assert.equal(res.statusCode, 201);
          ids.push(res.json().transaction.id);
        }
      });

      it('lists 20 transactions newest first by default, with has_more', async () => {
        const res = await page('');
        assert.equal(res.statusCode, 200);
        const body = res.json();
        assert.deepEqual(keysOf(body), ['data', 'has_more']);
        assert.equal(body.has_more, true);
        assert.deepEqual(
          body.data.map((t: { amount: number }) => t.amount),
          Array.from({ length: 20 }, (_, i) => 25 - i),
        );
        for (const t of body.data) assertTransactionShape(t);
        const newest = body.data[0];
        assert.equal(newest.id, ids[24]);
        assert.equal(newest.type, 'deposit');
        assert.equal(newest.direction, 'credit');
        assert.equal(newest.memo, 'deposit 25');
        assert.equal(newest.counterparty, null);
        assert.equal(newest.balance_after, (25 * 26) / 2);
      });

      it('walks every page with starting_after and limit, ending with has_more false', async () => {
        const seen: number[] = [];
        let cursor: string | undefined;
        for (;;) {
          const res = await page(`?limit=7${cursor ? `&starting_after=${cursor}` : ''}`);
          assert.equal(res.statusCode, 200);
          const body = res.json();
          seen.push(...body.data.map((t: { amount: number }) => t.amount));
          if (!body.has_more) break;
          assert.equal(body.data.length, 7);
          cursor = body.data.at(-1).id;
        }
        assert.deepEqual(
          seen,
          Array.from({ length: 25 }, (_, i) => 25 - i),
        );
      });

      it('accepts limit 1 and 100', async () => {
        const one = (await page('?limit=1')).json();
        assert.equal(one.data.length, 1);
        assert.equal(one.has_more, true);
        const hundred = (await page('?limit=100')).json();
        assert.equal(hundred.data.length, 25);
        assert.equal(hundred.has_more, false);
        const last = (await page(`?starting_after=${ids[0]}`)).json();
        assert.deepEqual(last, { data: [], has_more: false });
      });

      it('refuses a limit outside 1..100 or not a whole number', async () => {
        for (const limit of ['0', '101', 'abc', '-1', '1.5', '', '1e1', '0100']) {
          await refused(() => page(`?limit=${limit}`), 400, 'invalid_request', 'limit');
        }
      });

      it('refuses a starting_after that is not a transaction of this account', async () => {
        await refused(() => page(`?starting_after=${crypto.randomUUID()}`), 400, 'invalid_request', 'starting_after');
        const alicesTxn = (await json('GET', `/api/v1/accounts/${alice.accountId}/transactions?limit=1`, alice)).json().data[0].id;
        await refused(() => page(`?starting_after=${alicesTxn}`), 400, 'invalid_request', 'starting_after');
      });

      it('refuses unknown query parameters', async () => {
        await refused(() => page('?offset=5'), 400, 'invalid_request');
      });

      it("answers another user's account and a missing one with the same 404", async () => {
        const others = await refused(() => page('', alice, pager.accountId), 404, 'not_found');
        const missing = await refused(() => page('', alice, crypto.randomUUID()), 404, 'not_found');
        assert.equal(others.body, missing.body);
      });
    });

    describe('POST /api/v1/deposits and /api/v1/withdrawals', () => {
      it('deposits and answers 201 with the transaction and the account after it', async () => {
        const before = await h.balance(bob.accountId);
        const res = await json('POST', '/api/v1/deposits', bob, { account_id: bob.accountId, amount: 1250, memo: 'salary' });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assert.deepEqual(keysOf(body), ['account', 'transaction']);
        assertTransactionShape(body.transaction);
        assertAccountShape(body.account);
        assert.deepEqual(
          {
            type: body.transaction.type,
            amount: body.transaction.amount,
            direction: body.transaction.direction,
            memo: body.transaction.memo,
            counterparty: body.transaction.counterparty,
          },
          { type: 'deposit', amount: 1250, direction: 'credit', memo: 'salary', counterparty: null },
        );
        assert.equal(BigInt(body.transaction.balance_after), before + 1250n);
        assert.equal(BigInt(body.account.balance), before + 1250n);
        assert.equal(await h.balance(bob.accountId), before + 1250n);
      });

      it('withdraws and answers 201 with a debit', async () => {
        const before = await h.balance(bob.accountId);
        const res = await json('POST', '/api/v1/withdrawals', bob, { account_id: bob.accountId, amount: 250 });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assertTransactionShape(body.transaction);
        assert.equal(body.transaction.type, 'withdrawal');
        assert.equal(body.transaction.direction, 'debit');
        assert.equal(body.transaction.memo, null);
        assert.equal(BigInt(body.account.balance), before - 250n);
      });

      it('refuses a withdrawal above the balance with 422 insufficient_funds', async () => {
        const balance = Number(await h.balance(bob.accountId));
        await refused(() => json('POST', '/api/v1/withdrawals', bob, { account_id: bob.accountId, amount: balance + 1 }), 422, 'insufficient_funds');
        const ok = await json('POST', '/api/v1/withdrawals', bob, { account_id: bob.accountId, amount: balance });
        assert.equal(ok.statusCode, 201);
        assert.equal(ok.json().account.balance, 0);
        await refused(() => json('POST', '/api/v1/withdrawals', bob, { account_id: bob.accountId, amount: 1 }), 422, 'insufficient_funds');
      });

      it('refuses every malformed amount with 400 invalid_amount on param amount', async () => {
        const max = h.config.maxAmountMinor;
        const bodies = [
          '0',
          '-1',
          '1.5',
          '"10"',
          '1e2',
          '1E2',
          '1.0',
          '"NaN"',
          'true',
          'false',
          'null',
          '[]',
          '{}',
          '[10]',
          '{"value":10}',
          String(max + 1),
          '9007199254740993',
          '9'.repeat(400),
          '-0.5',
          '"1,250.00"',
          '""',
        ];
        for (const url of ['/api/v1/deposits', '/api/v1/withdrawals']) {
          for (const amount of bodies) {
            await refused(() => raw(url, alice, `{"account_id":"${alice.accountId}","amount":${amount}}`), 400, 'invalid_amount', 'amount');
          }
          await refused(() => json('POST', url, alice, { account_id: alice.accountId }), 400, 'invalid_amount', 'amount');
        }
      });

      it('accepts exactly the configured maximum', async () => {
        const max = h.config.maxAmountMinor;
        const res = await json('POST', '/api/v1/deposits', bob, { account_id: bob.accountId, amount: max });
        assert.equal(res.statusCode, 201, res.body);
        const back = await json('POST', '/api/v1/withdrawals', bob, { account_id: bob.accountId, amount: max });
        assert.equal(back.statusCode, 201, back.body);
      });

      it('refuses missing, extra and wrongly typed fields with 400', async () => {
        const url = '/api/v1/deposits';
        await refused(() => json('POST', url, alice, { amount: 5 }), 400, 'invalid_request', 'account_id');
        await refused(() => json('POST', url, alice, { account_id: alice.accountId, amount: 5, balance: 1_000_000 }), 400, 'invalid_request', 'balance');
        await refused(() => json('POST', url, alice, { account_id: alice.accountId, amount: 5, currency: 'EUR' }), 400, 'invalid_request', 'currency');
        await refused(() => json('POST', url, alice, { account_id: 42, amount: 5 }), 400, 'invalid_request', 'account_id');
        await refused(() => json('POST', url, alice, { account_id: '', amount: 5 }), 400, 'invalid_request', 'account_id');
        await refused(() => raw(url, alice, `{"account_id":"${alice.accountId}","amount":5,"__proto__":{"balance":1}}`), 400, 'invalid_request');
        await refused(() => raw(url, alice, `{"account_id":"${alice.accountId}","amount":5,"constructor":{"prototype":{"x":1}}}`), 400, 'invalid_request');
        await refused(() => raw(url, alice, '[]'), 400, 'invalid_request');
        await refused(() => raw(url, alice, '"deposit"'), 400, 'invalid_request');
      });

      it('refuses a memo over 140 characters or with a line break or control character', async () => {
        const url = '/api/v1/deposits';
        await refused(() => json('POST', url, alice, { account_id: alice.accountId, amount: 5, memo: 'm'.repeat(141) }), 400, 'invalid_request', 'memo');
        await refused(() => json('POST', url, alice, { account_id: alice.accountId, amount: 5, memo: 'two\nlines' }), 400, 'invalid_request', 'memo');
        await refused(() => json('POST', url, alice, { account_id: alice.accountId, amount: 5, memo: 'bell\u0007' }), 400, 'invalid_request', 'memo');
        await refused(() => json('POST', url, alice, { account_id: alice.accountId, amount: 5, memo: 7 }), 400, 'invalid_request', 'memo');
        const ok = await json('POST', url, alice, { account_id: alice.accountId, amount: 5, memo: '🍕'.repeat(140) });
        assert.equal(ok.statusCode, 201, ok.body);
        assert.equal(ok.json().transaction.memo, '🍕'.repeat(140));
      });

      it("answers another user's account and a missing one with the same 404 not_found", async () => {
        for (const url of ['/api/v1/deposits', '/api/v1/withdrawals']) {
          const others = await refused(() => json('POST', url, alice, { account_id: bob.accountId, amount: 5 }), 404, 'not_found', 'account_id');
          const missing = await refused(() => json('POST', url, alice, { account_id: crypto.randomUUID(), amount: 5 }), 404, 'not_found', 'account_id');
          assert.equal(others.body, missing.body);
        }
      });
    });

    describe('POST /api/v1/transfers', () => {
      const transfer = (from: TestUser, to: string, amount: number, extra: Record<string, unknown> = {}) =>
        json('POST', '/api/v1/transfers', from, { from_account_id: from.accountId, to, amount, ...extra });

      it("pays a user by username and answers with the payer's account", async () => {
        const [aliceBefore, bobBefore] = [await h.balance(alice.accountId), await h.balance(bob.accountId)];
        const res = await transfer(alice, 'bob', 300, { memo: 'pizza' });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assertTransactionShape(body.transaction);
        assertAccountShape(body.account);
        assert.equal(body.account.id, alice.accountId);
        assert.equal(BigInt(body.account.balance), aliceBefore - 300n);
        assert.deepEqual(
          { type: body.transaction.type, direction: body.transaction.direction, amount: body.transaction.amount, memo: body.transaction.memo },
          { type: 'transfer', direction: 'debit', amount: 300, memo: 'pizza' },
        );
        assert.deepEqual(body.transaction.counterparty, { username: 'bob', account_number: bob.accountNumber });
        assert.equal(await h.balance(bob.accountId), bobBefore + 300n);

        // The payee sees the same transaction as a credit from the payer.
        const history = (await json('GET', `/api/v1/accounts/${bob.accountId}/transactions?limit=1`, bob)).json();
        assert.equal(history.data[0].id, body.transaction.id);
        assert.equal(history.data[0].direction, 'credit');
        assert.deepEqual(history.data[0].counterparty, { username: 'alice', account_number: alice.accountNumber });
        assert.equal(BigInt(history.data[0].balance_after), bobBefore + 300n);
      });

      it('pays by account number, with or without spaces or dashes, and by username in any case', async () => {
        const spaced = bob.accountNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
        const dashed = bob.accountNumber.replace(/(\d{4})(?=\d)/g, '$1-');
        for (const to of [bob.accountNumber, spaced, dashed, 'BOB', ' Bob ']) {
          const before = await h.balance(bob.accountId);
          const res = await transfer(alice, to, 1);
          assert.equal(res.statusCode, 201, `${to}: ${res.body}`);
          assert.equal(await h.balance(bob.accountId), before + 1n);
        }
      });

      it('answers an unknown payee with 404 not_found on param to', async () => {
        const body = bob.accountNumber;
        const typo = body.slice(0, 11) + String((Number(body[11]) + 1) % 10);
        const unused = ['0000000000', '1111111111', '2222222222'].map((d) => d + String(98n - ((BigInt(d) * 100n) % 97n)).padStart(2, '0'));
        for (const to of ['nobody-at-all', ...unused, 'x', '../bob', 'bob; drop table users']) {
          await refused(() => transfer(alice, to, 1), 404, 'not_found', 'to');
        }
        // A number-shaped typo is only ever an account number: 400, never a username (issue 11 class 3).
        await refused(() => transfer(alice, typo, 1), 400, 'invalid_request', 'to');
      });

      it("does not let anyone pay the bank's own cash account by its number", async () => {
        const cash = await h.app.ctx.storage.db.selectFrom('accounts').select('number').where('kind', '=', 'system').executeTakeFirstOrThrow();
        await refused(() => transfer(alice, cash.number, 1), 404, 'not_found', 'to');
      });

      it('refuses paying oneself with 422 same_account', async () => {
        for (const to of ['alice', alice.accountNumber, 'ALICE']) await refused(() => transfer(alice, to, 1), 422, 'same_account', 'to');
      });

      it('refuses a transfer above the balance with 422 insufficient_funds', async () => {
        const balance = Number(await h.balance(alice.accountId));
        await refused(() => transfer(alice, 'bob', balance + 1), 422, 'insufficient_funds');
      });

      it("refuses paying from another user's account with 404 not_found", async () => {
        await refused(
          () => json('POST', '/api/v1/transfers', alice, { from_account_id: bob.accountId, to: 'alice', amount: 1 }),
          404,
          'not_found',
          'from_account_id',
        );
      });

      it('refuses bad amounts, missing and extra fields with 400', async () => {
        for (const amount of ['0', '-1', '1.5', '"10"', '1e2', 'true', 'null', '[]', '{}', String(h.config.maxAmountMinor + 1)]) {
          await refused(
            () => raw('/api/v1/transfers', alice, `{"from_account_id":"${alice.accountId}","to":"bob","amount":${amount}}`),
            400,
            'invalid_amount',
            'amount',
          );
        }
        await refused(() => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, amount: 1 }), 400, 'invalid_request', 'to');
        await refused(() => json('POST', '/api/v1/transfers', alice, { to: 'bob', amount: 1 }), 400, 'invalid_request', 'from_account_id');
        await refused(() => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to: '', amount: 1 }), 400, 'invalid_request', 'to');
        await refused(
          () => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to: 'b'.repeat(65), amount: 1 }),
          400,
          'invalid_request',
          'to',
        );
        await refused(
          () => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to: 'bob', amount: 1, account_id: alice.accountId }),
          400,
          'invalid_request',
          'account_id',
        );
        await refused(
          () => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to: 'bob', amount: 1, memo: 'a\r\nb' }),
          400,
          'invalid_request',
          'memo',
        );
      });
    });

    describe('accounts that cannot take part', () => {
      it('refuses paying an account in another currency with 422 currency_mismatch', async () => {
        // A second app on the same database opens accounts in EUR: the only way to get one today.
        const euros = await buildApp({ config: { ...h.config, currency: 'EUR' }, storage: h.app.ctx.storage });
        try {
          const signup = await euros.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: 'eve.eur', password: PASSWORD } });
          assert.equal(signup.statusCode, 201, signup.body);
          assert.equal(signup.json().account.currency, 'EUR');
          const number = signup.json().account.number as string;
          for (const to of ['eve.eur', number]) {
            await refused(() => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to, amount: 1 }), 422, 'currency_mismatch', 'to');
          }
        } finally {
          await euros.close();
        }
      });

      it('refuses any movement into or out of a frozen account with 422 account_frozen', async () => {
        const frost = await h.user('frost');
        await h.deposit(frost, 500);
        await h.app.ctx.storage.db.updateTable('accounts').set({ status: 'frozen' }).where('id', '=', frost.accountId).execute();
        try {
          await refused(() => json('POST', '/api/v1/deposits', frost, { account_id: frost.accountId, amount: 1 }), 422, 'account_frozen');
          await refused(() => json('POST', '/api/v1/withdrawals', frost, { account_id: frost.accountId, amount: 1 }), 422, 'account_frozen');
          await refused(() => json('POST', '/api/v1/transfers', frost, { from_account_id: frost.accountId, to: 'alice', amount: 1 }), 422, 'account_frozen');
          await refused(() => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to: 'frost', amount: 1 }), 422, 'account_frozen');
        } finally {
          await h.app.ctx.storage.db.updateTable('accounts').set({ status: 'active' }).where('id', '=', frost.accountId).execute();
        }
      });
    });

    describe('request bodies', () => {
      const deposit = (body: string, contentType?: string) => raw('/api/v1/deposits', alice, body, contentType);

      it('refuses a body over the limit with 413 payload_too_large', async () => {
        const memo = 'm'.repeat(h.config.bodyLimitBytes);
        await refused(() => deposit(JSON.stringify({ account_id: alice.accountId, amount: 1, memo })), 413, 'payload_too_large');
      });

      it('refuses malformed JSON with 400 invalid_request', async () => {
        for (const body of ['{', `{"account_id":"${alice.accountId}","amount":1,}`, "{'amount':1}", '{"amount":NaN}', 'nul']) {
          await refused(() => deposit(body), 400, 'invalid_request');
        }
      });

      it('refuses an empty JSON body with 400', async () => {
        await refused(() => deposit(''), 400, 'invalid_request');
      });

      it('refuses other content types with 415 unsupported_media_type', async () => {
        const body = JSON.stringify({ account_id: alice.accountId, amount: 1 });
        await refused(() => deposit(body, 'text/plain'), 415, 'unsupported_media_type');
        await refused(() => deposit(`account_id=${alice.accountId}&amount=1`, 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
        await refused(() => deposit(body, 'multipart/form-data; boundary=x'), 415, 'unsupported_media_type');
        await refused(() => deposit(body, 'application/jsonp'), 415, 'unsupported_media_type');
        await refused(
          () => h.inject({ method: 'POST', url: '/api/v1/deposits', headers: { ...auth(alice) }, payload: Buffer.from(body) }),
          415,
          'unsupported_media_type',
        );
      });

      it('accepts application/json with a charset parameter', async () => {
        const res = await deposit(JSON.stringify({ account_id: alice.accountId, amount: 1 }), 'application/json; charset=utf-8');
        assert.equal(res.statusCode, 201, res.body);
      });

      it('keeps bodies with the same fields in any order equivalent', async () => {
        const res = await deposit(`{"amount":2,"account_id":"${alice.accountId}"}`);
        assert.equal(res.statusCode, 201, res.body);
      });
    });

    describe('Idempotency-Key', () => {
      const keyed = (user: TestUser, url: string, payload: unknown, key: string) => json('POST', url, user, payload, { 'idempotency-key': key });

      it('replays the first response with Idempotent-Replayed: true and moves no money', async () => {
        const key = crypto.randomUUID();
        const payload = { from_account_id: alice.accountId, to: 'bob', amount: 77, memo: 'once' };
        const first = await keyed(alice, '/api/v1/transfers', payload, key);
        assert.equal(first.statusCode, 201);
        assert.equal(first.headers['idempotent-replayed'], undefined);
        const snapshot = await ledgerSnapshot(h.app);
        const again = await keyed(alice, '/api/v1/transfers', payload, key);
        assert.equal(again.statusCode, 201);
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(again.body, first.body);
        // The same JSON with its fields in another order is the same request.
        const reordered = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(alice), 'idempotency-key': key, 'content-type': 'application/json' },
          payload: `{"memo":"once","amount":77,"to":"bob","from_account_id":"${alice.accountId}"}`,
        });
        assert.equal(reordered.statusCode, 201);
        assert.equal(reordered.body, first.body);
        assert.equal(await ledgerSnapshot(h.app), snapshot);
      });

      it('answers the same key with a different body or endpoint with 409 idempotency_conflict', async () => {
        const key = crypto.randomUUID();
        assert.equal((await keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 10 }, key)).statusCode, 201);
        await refused(() => keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 11 }, key), 409, 'idempotency_conflict');
        await refused(() => keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 10, memo: 'x' }, key), 409, 'idempotency_conflict');
        await refused(() => keyed(alice, '/api/v1/withdrawals', { account_id: alice.accountId, amount: 10 }, key), 409, 'idempotency_conflict');
      });

      it('replays a stored refusal such as insufficient_funds, even after the balance would cover it', async () => {
        const key = crypto.randomUUID();
        const balance = Number(await h.balance(bob.accountId));
        const payload = { account_id: bob.accountId, amount: balance + 500 };
        const first = await refused(() => keyed(bob, '/api/v1/withdrawals', payload, key), 422, 'insufficient_funds');
        await h.deposit(bob, 1000);
        const again = await refused(() => keyed(bob, '/api/v1/withdrawals', payload, key), 422, 'insufficient_funds');
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(again.body, first.body);
      });

      it('scopes keys to the user: another user may use the same key', async () => {
        const key = crypto.randomUUID();
        assert.equal((await keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 3 }, key)).statusCode, 201);
        const bobs = await keyed(bob, '/api/v1/deposits', { account_id: bob.accountId, amount: 3 }, key);
        assert.equal(bobs.statusCode, 201);
        assert.equal(bobs.headers['idempotent-replayed'], undefined);
      });

      it('accepts keys of 1 to 255 characters and refuses 256 and empty with 400', async () => {
        for (const key of ['k', 'k'.repeat(255)]) {
          const res = await keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 1 }, `${key}`);
          assert.equal(res.statusCode, 201, res.body);
          assert.equal((await keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 1 }, key)).headers['idempotent-replayed'], 'true');
        }
        await refused(() => keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 1 }, 'k'.repeat(256)), 400, 'invalid_request');
        await refused(() => keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 1 }, ''), 400, 'invalid_request');
      });

      it('does not store a request refused for its shape, so the key stays free', async () => {
        const key = crypto.randomUUID();
        await refused(() => keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 0 }, key), 400, 'invalid_amount', 'amount');
        const res = await keyed(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 4 }, key);
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.headers['idempotent-replayed'], undefined);
      });
    });

    describe('routing and headers', () => {
      it('answers an unknown route with 404 not_found in the error shape', async () => {
        for (const [method, url] of [
          ['GET', '/api/v1/nope'],
          ['POST', '/api/v1/nope'],
          ['GET', '/api/v2/me'],
        ] as const) {
          await refused(() => h.inject({ method, url, headers: auth(alice) }), 404, 'not_found');
        }
      });

      it('answers a method the path does not have with 405 method_not_allowed and Allow (issue 11 class 7)', async () => {
        for (const [method, url, allow] of [
          ['GET', '/api/v1/deposits', 'POST'],
          ['DELETE', '/api/v1/me', 'GET, HEAD'],
        ] as const) {
          const res = await h.inject({ method, url, headers: auth(alice) });
          assert.equal(res.statusCode, 405, `${method} ${url}`);
          assert.equal(res.json().error.code, 'method_not_allowed');
          assert.equal(res.headers.allow, allow);
        }
      });

      it('sends a distinct X-Request-Id on successes and errors alike', async () => {
        const responses = [
          await json('GET', '/api/v1/me', alice),
          await json('GET', '/api/v1/me', null),
          await json('GET', '/api/v1/nope', alice),
          await json('POST', '/api/v1/deposits', alice, { account_id: alice.accountId, amount: 0 }),
        ];
        const ids = responses.map((r) => r.headers['x-request-id']);
        for (const id of ids) assert.match(String(id), /^[0-9a-f-]{36}$/);
        assert.equal(new Set(ids).size, ids.length);
      });

      it('answers a URL it cannot decode with 400 in the error shape', async () => {
        await refused(() => json('GET', '/api/v1/accounts/%E0%A4%A', alice), 400, 'invalid_request');
      });

      it('refuses NUL and other control characters in ids and usernames with 400, never a 500', async () => {
        await refused(() => json('GET', '/api/v1/accounts/%00abc', alice), 400, 'invalid_request', 'account_id');
        await refused(
          () => json('GET', `/api/v1/accounts/${alice.accountId}/transactions?starting_after=%00`, alice),
          400,
          'invalid_request',
          'starting_after',
        );
        await refused(
          () => json('POST', '/api/v1/deposits', alice, { account_id: `${alice.accountId}\u0000`, amount: 1 }),
          400,
          'invalid_request',
          'account_id',
        );
        await refused(() => json('POST', '/api/v1/withdrawals', alice, { account_id: '\u0000', amount: 1 }), 400, 'invalid_request', 'account_id');
        await refused(
          () => json('POST', '/api/v1/transfers', alice, { from_account_id: 'x\u0000', to: 'bob', amount: 1 }),
          400,
          'invalid_request',
          'from_account_id',
        );
        await refused(() => json('POST', '/api/v1/transfers', alice, { from_account_id: alice.accountId, to: 'bob\u0000', amount: 1 }), 404, 'not_found', 'to');
        await refused(() => json('POST', '/api/v1/auth/token', null, { username: 'al\u0000ice', password: PASSWORD }), 400, 'invalid_request', 'username');
        await refused(() => json('POST', '/api/v1/signup', null, { username: 'nul\u0000user', password: PASSWORD }), 400, 'invalid_request', 'username');
      });

      it('refuses a deeply nested body within the size limit with 400, never a 500', async () => {
        const depth = 5000;
        await refused(() => raw('/api/v1/deposits', alice, '['.repeat(depth) + ']'.repeat(depth)), 400, 'invalid_request');
        await refused(() => raw('/api/v1/deposits', alice, '{"a":'.repeat(2500) + '1' + '}'.repeat(2500)), 400, 'invalid_request');
      });

      it('marks API responses as not cacheable', async () => {
        assert.equal((await json('GET', '/api/v1/me', alice)).headers['cache-control'], 'no-store');
      });
    });

    describe('use cases shared with the web pages', () => {
      const domainError = (code: string, param?: string) => (e: unknown) =>
        e instanceof DomainError && e.code === code && (param === undefined || e.param === param);

      it('treat a NUL byte in a username or id as no match, never as a database error', async () => {
        const ctx = h.app.ctx;
        await assert.rejects(checkCredentials(ctx, { username: 'al\u0000ice', password: PASSWORD }), domainError('unauthenticated'));
        await assert.rejects(getAccount(ctx, alice.userId, `${alice.accountId}\u0000`), domainError('not_found', 'account_id'));
        await assert.rejects(listTransactions(ctx, alice.userId, { accountId: '\u0000' }), domainError('not_found'));
        await assert.rejects(
          listTransactions(ctx, alice.userId, { accountId: alice.accountId, startingAfter: 'x\u0000' }),
          domainError('invalid_request', 'starting_after'),
        );
      });
    });

    it('ends with sound books after everything above', async () => {
      const { verifyBooks } = await import('../../src/app/verify-books.js');
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });
  });
}
