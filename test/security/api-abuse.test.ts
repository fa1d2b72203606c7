/**
 * Attacks through the JSON API by a signed-in user: reading and moving another user's money (IDOR),
 * smuggling fields the server owns (mass assignment, prototype pollution), and every bad amount the
 * contract lists. Each is refused with the contract's error and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';
import { assertError, unchanged } from './attack-kit.js';

for (const dialect of await dialects()) {
  describe(`attack: API abuse by a signed-in user (${dialect})`, () => {
    let h: Harness;
    let victim: TestUser;
    let mallory: TestUser;
    let victimTxnId: string;
    before(async () => {
      h = await createHarness(dialect);
      victim = await h.user('victim');
      mallory = await h.user('mallory');
      await h.deposit(victim, 50_000);
      await h.deposit(mallory, 1_000);
      const list = await h.inject({ method: 'GET', url: `/api/v1/accounts/${victim.accountId}/transactions`, headers: auth(victim) });
      victimTxnId = list.json().data[0].id;
    });
    after(async () => h.close());

    const post = (url: string, payload: unknown, user: TestUser = mallory) =>
      h.inject({ method: 'POST', url, headers: auth(user), payload: payload as Record<string, unknown> });

    describe('IDOR', () => {
      it('reads of another user’s account and history are 404, exactly like a missing account', async () => {
        const theirs = await unchanged(h.app, () => h.inject({ method: 'GET', url: `/api/v1/accounts/${victim.accountId}`, headers: auth(mallory) }));
        const missing = await h.inject({ method: 'GET', url: '/api/v1/accounts/00000000-0000-4000-8000-000000000000', headers: auth(mallory) });
        assertError(theirs, 404, 'not_found');
        assert.equal(theirs.body, missing.body);
        const history = await unchanged(h.app, () =>
          h.inject({ method: 'GET', url: `/api/v1/accounts/${victim.accountId}/transactions`, headers: auth(mallory) }),
        );
        assertError(history, 404, 'not_found');
      });

      it('paging one’s own history with another user’s transaction id as the cursor reveals nothing', async () => {
        const res = await unchanged(h.app, () =>
          h.inject({ method: 'GET', url: `/api/v1/accounts/${mallory.accountId}/transactions?starting_after=${victimTxnId}`, headers: auth(mallory) }),
        );
        assert.ok(res.statusCode === 400 || res.statusCode === 404, `status ${res.statusCode}`);
        assert.ok(!res.body.includes('victim'));
      });

      it('withdrawing from, depositing to and transferring out of another user’s account are 404 and move nothing', async () => {
        assertError(await unchanged(h.app, () => post('/api/v1/withdrawals', { account_id: victim.accountId, amount: 100 })), 404, 'not_found');
        assertError(await unchanged(h.app, () => post('/api/v1/deposits', { account_id: victim.accountId, amount: 100 })), 404, 'not_found');
        assertError(
          await unchanged(h.app, () => post('/api/v1/transfers', { from_account_id: victim.accountId, to: 'mallory', amount: 100 })),
          404,
          'not_found',
        );
      });

      it('the web pages never take an account from the request: another user’s transaction id as the page cursor shows none of theirs', async () => {
        const { Browser } = await import('../pages/browser.js');
        const browser = new Browser(h.app);
        await browser.get('/login');
        await browser.post('/login', { username: 'mallory', password: PASSWORD });
        const page = await unchanged(h.app, () => browser.get(`/transactions?after=${victimTxnId}&account_id=${victim.accountId}`));
        assert.ok(page.status < 500);
        assert.ok(!page.body.includes('500.00'), 'the victim’s deposit of 500.00 is not shown');
      });
    });

    describe('mass assignment', () => {
      for (const [field, value] of [
        ['balance', 1_000_000],
        ['role', 'admin'],
        ['id', '00000000-0000-4000-8000-000000000001'],
        ['is_admin', true],
        ['created_at', '2000-01-01T00:00:00Z'],
      ] as const) {
        it(`refuses sign-up with a "${field}" field and creates no user`, async () => {
          const res = await unchanged(h.app, () =>
            h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: `ma-${field.replace('_', '')}`, password: PASSWORD, [field]: value } }),
          );
          assertError(res, 400, 'invalid_request');
        });
      }

      for (const key of ['__proto__', 'constructor', 'prototype']) {
        it(`refuses a "${key}" key in sign-up and deposit bodies, and nothing is polluted`, async () => {
          const raw = (inner: string) => `{${inner}, "${key}": {"balance": 1000000, "isAdmin": true, "prototype": {"isAdmin": true}}}`;
          const signup = await unchanged(h.app, () =>
            h.inject({
              method: 'POST',
              url: '/api/v1/signup',
              headers: { 'content-type': 'application/json' },
              payload: raw(`"username": "proto${key.length}", "password": "${PASSWORD}"`),
            }),
          );
          assert.equal(signup.statusCode, 400);
          const deposit = await unchanged(h.app, () =>
            h.inject({
              method: 'POST',
              url: '/api/v1/deposits',
              headers: { ...auth(mallory), 'content-type': 'application/json' },
              payload: raw(`"account_id": "${mallory.accountId}", "amount": 1`),
            }),
          );
          assert.equal(deposit.statusCode, 400);
          assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
          assert.equal(({} as Record<string, unknown>).balance, undefined);
        });
      }

      it('refuses money bodies carrying balance, id, currency, status or a nested account', async () => {
        for (const extra of [
          { balance: 1 },
          { id: 'x' },
          { currency: 'EUR' },
          { status: 'active' },
          { account: { balance: 99 } },
          { actor_user_id: victim.userId },
        ]) {
          const res = await unchanged(h.app, () => post('/api/v1/deposits', { account_id: mallory.accountId, amount: 1, ...extra }));
          assertError(res, 400, 'invalid_request');
        }
      });
    });

    describe('bad amounts', () => {
      const catalogue: [string, string][] = [
        ['0', '0'],
        ['-1', '-1'],
        ['1.5', '1.5'],
        ['"10"', '"10"'],
        ['1e2', '1e2'],
        ['NaN', 'NaN'],
        ['Infinity', 'Infinity'],
        ['2^53+1', '9007199254740993'],
        ['null', 'null'],
        ['[]', '[]'],
        ['{}', '{}'],
        ['true', 'true'],
        ['a very long digit string', '9'.repeat(400)],
        ['1.0', '1.0'],
        ['-0', '-0'],
        ['above MAX_AMOUNT_MINOR', '100000001'],
      ];
      for (const [name, literal] of catalogue) {
        it(`refuses amount ${name} on deposits, withdrawals and transfers with 400 (invalid_amount, or invalid_request for unparseable JSON)`, async () => {
          for (const [url, fields] of [
            ['/api/v1/deposits', `"account_id": "${mallory.accountId}"`],
            ['/api/v1/withdrawals', `"account_id": "${mallory.accountId}"`],
            ['/api/v1/transfers', `"from_account_id": "${mallory.accountId}", "to": "victim"`],
          ] as const) {
            const res = await unchanged(h.app, () =>
              h.inject({
                method: 'POST',
                url,
                headers: { ...auth(mallory), 'content-type': 'application/json' },
                payload: `{${fields}, "amount": ${literal}}`,
              }),
            );
            assert.equal(res.statusCode, 400, `${url} amount ${name}: ${res.statusCode} ${res.body}`);
            const code = res.json().error.code;
            // NaN and Infinity are not JSON at all, so the body itself is refused.
            assert.ok(code === 'invalid_amount' || (['NaN', 'Infinity'].includes(name) && code === 'invalid_request'), `${url} amount ${name}: ${code}`);
          }
        });
      }
    });
  });
}
