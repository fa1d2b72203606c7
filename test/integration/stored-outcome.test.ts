/**
 * Issue 12 item 2: a movement's outcome is a typed value, stored as such in the idempotency table
 * and rendered at each edge. Rows stored by the version before (the API's JSON answer, kept 24 h)
 * still replay identically after an upgrade, on the API and on the pages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MovementOutcome } from '../../src/app/movement-outcome.js';
import { readStoredOutcome, storeOutcome, TYPED_OUTCOME_STATUS } from '../../src/app/stored-outcome.js';
import { movementResponse } from '../../src/http/routes/api/money.js';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';

const moved: MovementOutcome = {
  kind: 'moved',
  transaction: {
    id: 'c0ffee00-0000-4000-8000-000000000001',
    type: 'transfer',
    amountMinor: 9_007_199_254_740_991n,
    direction: 'debit',
    balanceAfterMinor: 0n,
    currency: 'USD',
    memo: 'rent 🏠 "May"',
    counterparty: { username: 'bob', accountNumber: '100000000093' },
    createdAtMs: 1_767_225_600_123n,
    cursor: 0n,
  },
  account: {
    id: 'acc-1',
    number: '8596778805',
    currency: 'USD',
    balanceMinor: 0n,
    availableMinor: 0n,
    status: 'active',
    name: 'Savings',
    createdAtMs: 1_767_225_000_000n,
  },
};

describe('stored movement outcomes', () => {
  it('keeps a moved outcome and a refusal exactly, tagged as typed outcomes rather than HTTP answers', () => {
    const refused: MovementOutcome = { kind: 'refused', code: 'insufficient_funds', message: 'The balance does not cover this amount.', param: 'amount' };
    const frozen: MovementOutcome = { kind: 'refused', code: 'account_frozen', message: 'This account is frozen; no money can move in or out.' };
    for (const outcome of [moved, refused, frozen, { ...moved, transaction: { ...moved.transaction, memo: null, counterparty: null } }] as MovementOutcome[]) {
      const stored = storeOutcome(outcome);
      assert.equal(stored.status, TYPED_OUTCOME_STATUS);
      assert.deepEqual(readStoredOutcome(stored), outcome);
    }
  });

  it('reads an answer the previous version stored and answers a retry with the same bytes', () => {
    for (const outcome of [
      moved,
      { kind: 'refused', code: 'limit_reached', message: 'Too far.', param: 'amount' },
      { kind: 'refused', code: 'account_frozen', message: 'Frozen.' },
    ] as MovementOutcome[]) {
      const legacy = movementResponse(outcome);
      assert.ok(legacy.status >= 201 && legacy.status < 600);
      assert.deepEqual(movementResponse(readStoredOutcome(legacy)), legacy);
    }
  });

  it('refuses a stored row in no known format instead of guessing', () => {
    assert.throws(() => readStoredOutcome({ status: TYPED_OUTCOME_STATUS, body: '{"transaction":{}}' }), /unknown format/);
    assert.throws(() => readStoredOutcome({ status: 42, body: '{}' }), /unknown format/);
    assert.throws(() => readStoredOutcome({ status: 422, body: '{"error":{"code":"no_such_code","message":"x"}}' }), /unknown code/);
  });
});

for (const dialect of await dialects()) {
  describe(`idempotent replay across the upgrade to typed outcomes (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    const db = () => h.app.ctx.storage.db;
    const storedRow = async (user: TestUser) =>
      db().selectFrom('idempotency_keys').select(['key', 'response_status', 'response_body']).where('user_id', '=', user.userId).executeTakeFirstOrThrow();
    /** Rewrites a user's stored outcome as the previous version would have stored it: the API's answer. */
    async function storeAsPreviousVersion(user: TestUser, status: number, body: string): Promise<void> {
      await db().updateTable('idempotency_keys').set({ response_status: status, response_body: body }).where('user_id', '=', user.userId).execute();
    }

    it('replays an API transfer stored as the old JSON answer byte for byte, moving the money once (the issue example)', async () => {
      const alice = await h.user('legacy-alice');
      const bob = await h.user('legacy-bob');
      await h.deposit(alice, 1000);
      const send = () =>
        h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(alice), 'idempotency-key': 'old-key' },
          payload: { from_account_id: alice.accountId, to: bob.username, amount: 250, memo: 'rent 🏠' },
        });
      const first = await send();
      assert.equal(first.statusCode, 201, first.body);
      const row = await storedRow(alice);
      assert.equal(Number(row.response_status), TYPED_OUTCOME_STATUS, 'written as a typed outcome');
      assert.match(row.response_body ?? '', /"kind":"moved"/);

      await storeAsPreviousVersion(alice, 201, first.body);
      const replay = await send();
      assert.equal(replay.statusCode, 201);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, first.body);
      assert.equal(await h.balance(alice.accountId), 750n);
      assert.equal(await h.balance(bob.accountId), 250n);
    });

    it('replays an API refusal stored as the old error body byte for byte', async () => {
      const carol = await h.user('legacy-carol');
      const send = () =>
        h.inject({
          method: 'POST',
          url: '/api/v1/withdrawals',
          headers: { ...auth(carol), 'idempotency-key': 'old-refusal' },
          payload: { account_id: carol.accountId, amount: 5 },
        });
      const first = await send();
      assert.equal(first.statusCode, 422, first.body);
      await storeAsPreviousVersion(carol, 422, first.body);
      await h.deposit(carol, 100);
      const replay = await send();
      assert.equal(replay.statusCode, 422);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, first.body);
      assert.equal(await h.balance(carol.accountId), 100n, 'the replayed refusal moved nothing');
    });

    it('replays a form sent before the upgrade, whose key the previous version stored as web:<key>, instead of moving the money again', async () => {
      const { browser, user } = await signedIn(h, 'legacy-erin');
      await browser.get('/deposit');
      const key = browser.formKey();
      assert.equal((await browser.post('/deposit', { amount: '5.00', idempotency_key: key })).status, 303);
      // What the previous version left behind: the key as web:<key>, the API's HTTP answer as the outcome.
      const stored = await storedRow(user);
      const old = movementResponse(readStoredOutcome({ status: Number(stored.response_status), body: stored.response_body ?? '' }));
      await db()
        .updateTable('idempotency_keys')
        .set({ key: `web:${key}` })
        .where('user_id', '=', user.userId)
        .execute();
      await storeAsPreviousVersion(user, old.status, old.body);

      const again = await browser.post('/deposit', { amount: '5.00', idempotency_key: key });
      assert.equal(again.status, 303);
      assert.match((await browser.get(again.location ?? '')).body, /Added \$5\.00\./);
      assert.equal(await h.balance(user.accountId), 500n, 'the resubmitted form moved nothing');
      const keys = await db().selectFrom('idempotency_keys').select('key').where('user_id', '=', user.userId).execute();
      assert.deepEqual(
        keys.map((r) => r.key),
        [`web:${key}`],
        'no second claim under the new namespace',
      );
    });

    it("never reads a web:<key> row written since the upgrade as a form's: an API key web:K and the form key K stay apart", async () => {
      const { browser, user } = await signedIn(h, 'legacy-frank');
      await browser.get('/deposit');
      const key = browser.formKey();
      const api = await h.inject({
        method: 'POST',
        url: '/api/v1/deposits',
        headers: { ...auth(user), 'idempotency-key': `web:${key}` },
        payload: { account_id: user.accountId, amount: 700 },
      });
      assert.equal(api.statusCode, 201, api.body);
      assert.equal((await browser.post('/deposit', { amount: '0.03', idempotency_key: key })).status, 303);
      assert.equal(await h.balance(user.accountId), 703n, 'both moved: the form did not replay the API request');
    });

    it('replays a web deposit and a web refusal stored as the old JSON answer as the same page outcome', async () => {
      const { browser, user } = await signedIn(h, 'legacy-dave');
      await browser.get('/deposit');
      const key = browser.formKey();
      const first = await browser.post('/deposit', { amount: '12.34', idempotency_key: key });
      assert.equal(first.status, 303);
      const stored = await storedRow(user);
      const old = movementResponse(readStoredOutcome({ status: Number(stored.response_status), body: stored.response_body ?? '' }));
      await storeAsPreviousVersion(user, old.status, old.body);
      const again = await browser.post('/deposit', { amount: '12.34', idempotency_key: key });
      assert.equal(again.status, 303);
      assert.match((await browser.get(again.location ?? '')).body, /data-testid="flash"[^>]*>Added \$12\.34\./);
      assert.equal(await h.balance(user.accountId), 1234n);

      await db().deleteFrom('idempotency_keys').where('user_id', '=', user.userId).execute();
      await browser.get('/withdraw');
      const refusalKey = browser.formKey();
      const refused = await browser.post('/withdraw', { amount: '99.00', idempotency_key: refusalKey });
      assert.equal(refused.status, 422);
      assert.match(refused.body, /The balance does not cover this amount\./);
      const refusedRow = await storedRow(user);
      const oldRefusal = movementResponse(readStoredOutcome({ status: Number(refusedRow.response_status), body: refusedRow.response_body ?? '' }));
      assert.equal(oldRefusal.status, 422);
      await storeAsPreviousVersion(user, oldRefusal.status, oldRefusal.body);
      await h.deposit(user, 20_000);
      const replayed = await browser.post('/withdraw', { amount: '99.00', idempotency_key: refusalKey });
      assert.equal(replayed.status, 422);
      assert.match(replayed.body, /The balance does not cover this amount\./);
      assert.equal(await h.balance(user.accountId), 21_234n, 'the replayed refusal moved nothing');
    });
  });
}
