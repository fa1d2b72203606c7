/**
 * Hostile request shapes: oversized and malformed bodies, wrong content types, duplicated query
 * parameters, deeply nested JSON. Each is a 4xx in the contract's shape, never a 500, and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';
import { assertError, unchanged } from './attack-kit.js';

for (const dialect of await dialects()) {
  describe(`attack: malformed requests (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
      await h.deposit(alice, 1000);
    });
    after(async () => h.close());

    const deposit = (payload: string, contentType = 'application/json', extra: Record<string, string> = {}) =>
      h.inject({ method: 'POST', url: '/api/v1/deposits', headers: { ...auth(alice), 'content-type': contentType, ...extra }, payload });

    it('refuses a body above BODY_LIMIT_BYTES with 413 payload_too_large, on the API and on the pages', async () => {
      const big = JSON.stringify({ account_id: alice.accountId, amount: 1, memo: 'x'.repeat(h.config.bodyLimitBytes) });
      assertError(await unchanged(h.app, () => deposit(big)), 413, 'payload_too_large');
      const { browser } = await signedIn(h, 'bigform');
      await browser.get('/deposit');
      const page = await unchanged(h.app, () =>
        browser.post('/deposit', { amount: '1', memo: 'y'.repeat(h.config.bodyLimitBytes), idempotency_key: browser.formKey() }),
      );
      assert.equal(page.status, 413);
    });

    it('refuses malformed JSON of every kind with 400 invalid_request', async () => {
      for (const body of ['{', '{"amount": 1,}', "{'amount': 1}", '{"amount": 01}', 'null', '[]', '"text"', '{"a":1}{"b":2}', '\u0000', '{"amount": 1e999}']) {
        const res = await unchanged(h.app, () => deposit(body));
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.statusCode} ${res.body}`);
        assert.ok(['invalid_request', 'invalid_amount'].includes(res.json().error.code));
      }
    });

    it('refuses deeply nested JSON and a body with thousands of keys without falling over', async () => {
      const nested = `{"account_id": "${alice.accountId}", "amount": 1, "memo": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
      assertError(await unchanged(h.app, () => deposit(nested)), 400, 'invalid_request');
      const keys = `{${Array.from({ length: 1000 }, (_, i) => `"k${i}": ${i}`).join(',')}}`;
      assertError(await unchanged(h.app, () => deposit(keys)), 400, 'invalid_request');
    });

    it('refuses every content type but application/json on the API with 415', async () => {
      const json = JSON.stringify({ account_id: alice.accountId, amount: 1 });
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/jsonx',
        'text/json',
      ]) {
        assertError(await unchanged(h.app, () => deposit(json, type)), 415, 'unsupported_media_type');
      }
      const noType = await unchanged(h.app, () => h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(alice), payload: Buffer.from(json) }));
      assert.ok([400, 415].includes(noType.statusCode), `no content type: ${noType.statusCode}`);
    });

    it('refuses JSON posted to a page form with 415, so a cross-site fetch cannot smuggle a form', async () => {
      const { browser } = await signedIn(h, 'jsonform');
      await browser.get('/deposit');
      const res = await unchanged(h.app, () =>
        h.app.inject({
          method: 'POST',
          url: '/deposit',
          headers: { 'content-type': 'application/json', cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ') },
          payload: JSON.stringify({ amount: '1', _csrf: browser.csrf(), idempotency_key: browser.formKey() }),
        }),
      );
      assert.equal(res.statusCode, 415);
    });

    it('refuses duplicated query parameters instead of picking one', async () => {
      for (const query of ['limit=1&limit=100', `starting_after=a&starting_after=b`, 'limit=5&limit=5']) {
        const res = await unchanged(h.app, () =>
          h.inject({ method: 'GET', url: `/api/v1/accounts/${alice.accountId}/transactions?${query}`, headers: auth(alice) }),
        );
        assertError(res, 400, 'invalid_request');
      }
    });

    it('refuses a duplicated or array-valued field in a form post', async () => {
      const { browser } = await signedIn(h, 'dupform');
      await browser.get('/deposit');
      const body = `_csrf=${encodeURIComponent(browser.csrf())}&idempotency_key=${encodeURIComponent(browser.formKey())}&amount=1&amount=100000`;
      const res = await unchanged(h.app, () =>
        h.app.inject({
          method: 'POST',
          url: '/deposit',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ') },
          payload: body,
        }),
      );
      assert.equal(res.statusCode, 400);
    });
  });
}
