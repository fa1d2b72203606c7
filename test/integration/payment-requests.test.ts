/**
 * Payment requests over the API against CONTRACT.md "Payment requests (round 2)", on every dialect:
 * the shapes, who may see and answer a request, expiry, the pending limit, and that asking moves no
 * money while paying is one ordinary transfer. Every refusal is checked to leave the ledger (and the
 * requests) as they were.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness, type TestUser } from '../helpers/harness.js';

type Response = Awaited<ReturnType<Harness['inject']>>;
const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const REQUEST_KEYS = ['amount', 'created_at', 'currency', 'expires_at', 'id', 'memo', 'payer', 'requester', 'status', 'transaction_id'];
const keysOf = (value: object) => Object.keys(value).sort();

function assertError(res: Response, status: number, code: string, param?: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  const body = res.json();
  assert.equal(body.error.code, code, res.body);
  if (param !== undefined) assert.equal(body.error.param, param, res.body);
}

for (const dialect of await dialects()) {
  describe(`payment requests API (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    let clockOffsetMs = 0;

    before(async () => {
      h = await createHarness(dialect, { clock: { nowMs: () => Date.now() + clockOffsetMs }, config: { maxPendingRequests: 5 } });
      alice = await h.user('alice');
      bob = await h.user('bob');
      carol = await h.user('carol');
      await h.deposit(bob, 100_000);
    });
    after(async () => h.close());

    const call = (method: 'GET' | 'POST', url: string, user: TestUser | null, payload?: unknown, headers: Record<string, string> = {}) =>
      h.inject({
        method,
        url,
        headers: { ...(user ? auth(user) : {}), ...headers },
        ...(payload === undefined ? {} : { payload: payload as InjectOptions['payload'] }),
      });
    const snapshot = async () =>
      `${await ledgerSnapshot(h.app)}|${JSON.stringify(await h.app.ctx.storage.db.selectFrom('payment_requests').selectAll().orderBy('seq').execute(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`;
    async function refused(send: () => Promise<Response>, status: number, code: string, param?: string): Promise<Response> {
      const before = await snapshot();
      const res = await send();
      assertError(res, status, code, param);
      assert.equal(await snapshot(), before, 'a refused request changed the ledger or a request');
      return res;
    }
    const ask = async (from: string, amount: number, extra: Record<string, unknown> = {}, requester = alice) => {
      const res = await call('POST', '/api/v1/payment-requests', requester, { to_account_id: requester.accountId, from, amount, ...extra });
      assert.equal(res.statusCode, 201, res.body);
      return res.json();
    };
    const cancelAll = async (user: TestUser) => {
      const list = await call('GET', '/api/v1/payment-requests?role=outgoing&status=pending&limit=100', user);
      for (const r of list.json().data) assert.equal((await call('POST', `/api/v1/payment-requests/${r.id}/cancel`, user)).statusCode, 200);
    };

    describe('POST /api/v1/payment-requests', () => {
      it('creates a pending request with exactly the contract fields and moves no money', async () => {
        const before = await ledgerSnapshot(h.app);
        const res = await call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'Bob', amount: 1250, memo: 'pizza' });
        assert.equal(res.statusCode, 201, res.body);
        const r = res.json();
        assert.deepEqual(keysOf(r), REQUEST_KEYS);
        assert.equal(r.status, 'pending');
        assert.equal(r.amount, 1250);
        assert.equal(r.currency, 'USD');
        assert.deepEqual(r.requester, { username: 'alice', account_number: alice.accountNumber });
        assert.deepEqual(r.payer, { username: 'bob' });
        assert.equal(r.memo, 'pizza');
        assert.equal(r.transaction_id, null);
        assert.match(r.created_at, RFC3339_UTC);
        assert.equal(Date.parse(r.expires_at) - Date.parse(r.created_at), 604_800_000, 'the default expiry is seven days');
        assert.equal(await ledgerSnapshot(h.app), before, 'asking moves nothing');
        await cancelAll(alice);
      });

      it('names the payer by account number too, with spaces, and takes an expiry in seconds', async () => {
        const r = await ask(bob.accountNumber.replace(/(\d{4})(?=\d)/g, '$1 '), 300, { expires_in: 60 });
        assert.deepEqual(r.payer, { username: 'bob' });
        assert.equal(Date.parse(r.expires_at) - Date.parse(r.created_at), 60_000);
        await cancelAll(alice);
      });

      it('refuses asking oneself, by username or by account number, with 422 same_account', async () => {
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'alice', amount: 100 }),
          422,
          'same_account',
          'from',
        );
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: alice.accountNumber, amount: 100 }),
          422,
          'same_account',
          'from',
        );
      });

      it('refuses amounts as a transfer does: zero, negative, fractions, strings and above the maximum are 400 invalid_amount', async () => {
        for (const amount of [0, -5, 1.5, '100', null, true, h.config.maxAmountMinor + 1, 1e300]) {
          await refused(
            () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'bob', amount }),
            400,
            'invalid_amount',
            'amount',
          );
        }
      });

      it("refuses an unknown payer, a mistyped account number, another user's account, a bad expiry and a long memo", async () => {
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'nobody', amount: 100 }),
          404,
          'not_found',
          'from',
        );
        const typo = bob.accountNumber.slice(0, 11) + String((Number(bob.accountNumber[11]) + 1) % 10);
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: typo, amount: 100 }),
          400,
          'invalid_request',
          'from',
        );
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: bob.accountId, from: 'carol', amount: 100 }),
          404,
          'not_found',
          'to_account_id',
        );
        for (const expires_in of [59, 2_592_001, 1.5, '60']) {
          await refused(
            () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'bob', amount: 100, expires_in }),
            400,
            'invalid_request',
            'expires_in',
          );
        }
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'bob', amount: 100, memo: 'x'.repeat(141) }),
          400,
          'invalid_request',
          'memo',
        );
        await refused(
          () => call('POST', '/api/v1/payment-requests', null, { to_account_id: alice.accountId, from: 'bob', amount: 100 }),
          401,
          'unauthenticated',
        );
      });

      it('refuses more than MAX_PENDING_REQUESTS pending outgoing with 422 limit_reached; answered and expired ones do not count', async () => {
        const made = [];
        for (let i = 0; i < 5; i++) made.push(await ask(i % 2 ? 'bob' : 'carol', 100 + i, { expires_in: 3600 }));
        await refused(() => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'bob', amount: 1 }), 422, 'limit_reached');
        assert.equal((await call('POST', `/api/v1/payment-requests/${made[0].id}/cancel`, alice)).statusCode, 200);
        const sixth = await ask('bob', 1, { expires_in: 60 });
        await refused(() => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: 'bob', amount: 1 }), 422, 'limit_reached');
        clockOffsetMs += 61_000; // the sixth expires; the others (an hour) still wait. The clock only moves on.
        assert.equal((await call('GET', `/api/v1/payment-requests/${sixth.id}`, alice)).json().status, 'expired');
        const seventh = await ask('bob', 1);
        assert.equal(seventh.status, 'pending');
        await cancelAll(alice);
      });
    });

    describe('POST /api/v1/payment-requests/{id}/pay', () => {
      it("pays a request with one ordinary transfer into the requester's account, linked to it", async () => {
        const r = await ask('bob', 700, { memo: 'tickets' });
        const aliceBefore = await h.balance(alice.accountId);
        const bobBefore = await h.balance(bob.accountId);
        const res = await call('POST', `/api/v1/payment-requests/${r.id}/pay`, bob, { from_account_id: bob.accountId });
        assert.equal(res.statusCode, 201, res.body);
        const body = res.json();
        assert.deepEqual(keysOf(body), ['payment_request', 'transaction']);
        assert.equal(body.transaction.type, 'transfer');
        assert.equal(body.transaction.direction, 'debit');
        assert.equal(body.transaction.amount, 700);
        assert.equal(body.transaction.memo, 'tickets');
        assert.deepEqual(body.transaction.counterparty, { username: 'alice', account_number: alice.accountNumber });
        assert.equal(body.payment_request.status, 'paid');
        assert.equal(body.payment_request.transaction_id, body.transaction.id);
        assert.equal(await h.balance(alice.accountId), aliceBefore + 700n);
        assert.equal(await h.balance(bob.accountId), bobBefore - 700n);
        const read = (await call('GET', `/api/v1/payment-requests/${r.id}`, alice)).json();
        assert.equal(read.status, 'paid');
        assert.equal(read.transaction_id, body.transaction.id);
        const history = (await call('GET', `/api/v1/accounts/${alice.accountId}/transactions?limit=1`, alice)).json();
        assert.equal(history.data[0].id, body.transaction.id);
        assert.equal(history.data[0].direction, 'credit');
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/pay`, bob, { from_account_id: bob.accountId }), 409, 'request_not_pending');
      });

      it('lets only the payer pay: the requester and a stranger get 404, as for a request that does not exist', async () => {
        const r = await ask('bob', 10);
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/pay`, alice, { from_account_id: alice.accountId }), 404, 'not_found');
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/pay`, carol, { from_account_id: carol.accountId }), 404, 'not_found');
        await refused(
          () => call('POST', '/api/v1/payment-requests/00000000-0000-4000-8000-000000000000/pay', bob, { from_account_id: bob.accountId }),
          404,
          'not_found',
        );
        await refused(
          () => call('POST', `/api/v1/payment-requests/${r.id}/pay`, bob, { from_account_id: carol.accountId }),
          404,
          'not_found',
          'from_account_id',
        );
        await refused(() => call('GET', `/api/v1/payment-requests/${r.id}`, carol), 404, 'not_found');
        await cancelAll(alice);
      });

      it('refuses paying more than the balance with 422 insufficient_funds and leaves the request pending', async () => {
        const r = await ask('carol', 5);
        await refused(
          () => call('POST', `/api/v1/payment-requests/${r.id}/pay`, carol, { from_account_id: carol.accountId }),
          422,
          'insufficient_funds',
          'amount',
        );
        assert.equal((await call('GET', `/api/v1/payment-requests/${r.id}`, carol)).json().status, 'pending');
        await cancelAll(alice);
      });

      it('refuses paying a cancelled, declined or expired request with 409 request_not_pending', async () => {
        const cancelled = await ask('bob', 10);
        assert.equal((await call('POST', `/api/v1/payment-requests/${cancelled.id}/cancel`, alice)).json().payment_request.status, 'cancelled');
        await refused(() => call('POST', `/api/v1/payment-requests/${cancelled.id}/pay`, bob, { from_account_id: bob.accountId }), 409, 'request_not_pending');
        const declined = await ask('bob', 10);
        const answer = await call('POST', `/api/v1/payment-requests/${declined.id}/decline`, bob);
        assert.equal(answer.statusCode, 200, answer.body);
        assert.deepEqual(keysOf(answer.json()), ['payment_request']);
        assert.equal(answer.json().payment_request.status, 'declined');
        await refused(() => call('POST', `/api/v1/payment-requests/${declined.id}/pay`, bob, { from_account_id: bob.accountId }), 409, 'request_not_pending');
        const expiring = await ask('bob', 10, { expires_in: 60 });
        clockOffsetMs += 60_000; // exactly at expires_at it reads expired
        assert.equal((await call('GET', `/api/v1/payment-requests/${expiring.id}`, bob)).json().status, 'expired');
        await refused(() => call('POST', `/api/v1/payment-requests/${expiring.id}/pay`, bob, { from_account_id: bob.accountId }), 409, 'request_not_pending');
        await refused(() => call('POST', `/api/v1/payment-requests/${expiring.id}/decline`, bob), 409, 'request_not_pending');
        await refused(() => call('POST', `/api/v1/payment-requests/${expiring.id}/cancel`, alice), 409, 'request_not_pending');
      });

      it('keeps currencies apart as a transfer does: a payer account in another currency is 422 currency_mismatch, asking and paying', async () => {
        const euro = await call('POST', '/api/v1/accounts', bob, { currency: 'EUR', name: 'Euros' });
        assert.equal(euro.statusCode, 201, euro.body);
        const { id: euroId, number: euroNumber } = euro.json();
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: alice.accountId, from: euroNumber, amount: 100 }),
          422,
          'currency_mismatch',
          'from',
        );
        const r = await ask('bob', 100);
        assert.equal(r.currency, 'USD');
        await refused(
          () => call('POST', `/api/v1/payment-requests/${r.id}/pay`, bob, { from_account_id: euroId }),
          422,
          'currency_mismatch',
          'from_account_id',
        );
        assert.equal((await call('GET', `/api/v1/payment-requests/${r.id}`, bob)).json().status, 'pending');
        await cancelAll(alice);
      });

      it('replays a payment retried with the same Idempotency-Key and refuses the key with another body', async () => {
        const r = await ask('bob', 20);
        const headers = { 'idempotency-key': `pay-${r.id}` };
        const first = await call('POST', `/api/v1/payment-requests/${r.id}/pay`, bob, { from_account_id: bob.accountId }, headers);
        assert.equal(first.statusCode, 201, first.body);
        const before = await snapshot();
        const again = await call('POST', `/api/v1/payment-requests/${r.id}/pay`, bob, { from_account_id: bob.accountId }, headers);
        assert.equal(again.statusCode, 201, again.body);
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.deepEqual(again.json(), first.json());
        assert.equal(await snapshot(), before, 'a replay moves nothing');
        const other = await ask('bob', 21);
        await refused(
          () => call('POST', `/api/v1/payment-requests/${other.id}/pay`, bob, { from_account_id: bob.accountId }, headers),
          409,
          'idempotency_conflict',
        );
        await cancelAll(alice);
      });
    });

    describe('closing an account with requests into it', () => {
      it('refuses to close an account while a request into it is pending (422 account_not_empty), and closes it once none is', async () => {
        const opened = await call('POST', '/api/v1/accounts', alice, { name: 'Trip' });
        assert.equal(opened.statusCode, 201, opened.body);
        const trip = opened.json().id as string;
        const made = await call('POST', '/api/v1/payment-requests', alice, { to_account_id: trip, from: 'bob', amount: 40 });
        assert.equal(made.statusCode, 201, made.body);
        await refused(() => call('POST', `/api/v1/accounts/${trip}/close`, alice), 422, 'account_not_empty');
        assert.equal((await call('POST', `/api/v1/payment-requests/${made.json().id}/cancel`, alice)).statusCode, 200);
        const closed = await call('POST', `/api/v1/accounts/${trip}/close`, alice);
        assert.equal(closed.statusCode, 200, closed.body);
        await refused(
          () => call('POST', '/api/v1/payment-requests', alice, { to_account_id: trip, from: 'bob', amount: 40 }),
          422,
          'account_closed',
          'to_account_id',
        );
      });

      it('does not let a request past its expiry keep an account open', async () => {
        const trip = (await call('POST', '/api/v1/accounts', alice, { name: 'Short' })).json().id as string;
        const made = await call('POST', '/api/v1/payment-requests', alice, { to_account_id: trip, from: 'bob', amount: 40, expires_in: 60 });
        assert.equal(made.statusCode, 201, made.body);
        await refused(() => call('POST', `/api/v1/accounts/${trip}/close`, alice), 422, 'account_not_empty');
        clockOffsetMs += 60_000;
        const closed = await call('POST', `/api/v1/accounts/${trip}/close`, alice);
        assert.equal(closed.statusCode, 200, closed.body);
      });
    });

    describe('decline, cancel and reading', () => {
      it('lets only the payer decline and only the requester cancel (anyone else 404)', async () => {
        const r = await ask('bob', 30);
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/decline`, alice), 404, 'not_found');
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/decline`, carol), 404, 'not_found');
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/cancel`, bob), 404, 'not_found');
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/cancel`, carol), 404, 'not_found');
        assert.equal((await call('POST', `/api/v1/payment-requests/${r.id}/cancel`, alice)).statusCode, 200);
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/decline`, bob), 409, 'request_not_pending');
        await refused(() => call('POST', `/api/v1/payment-requests/${r.id}/cancel`, alice), 409, 'request_not_pending');
      });

      it('lists incoming and outgoing requests newest first, by status, a page at a time', async () => {
        const mine = [await ask('carol', 1), await ask('carol', 2), await ask('carol', 3)];
        const outgoing = (await call('GET', '/api/v1/payment-requests?role=outgoing&status=pending&limit=2', alice)).json();
        assert.deepEqual(
          outgoing.data.map((r: { id: string }) => r.id),
          [mine[2].id, mine[1].id],
        );
        assert.equal(outgoing.has_more, true);
        const rest = (await call('GET', `/api/v1/payment-requests?role=outgoing&status=pending&limit=2&starting_after=${mine[1].id}`, alice)).json();
        assert.deepEqual(
          rest.data.map((r: { id: string }) => r.id),
          [mine[0].id],
        );
        assert.equal(rest.has_more, false);
        const incoming = (await call('GET', '/api/v1/payment-requests?role=incoming&status=pending', carol)).json();
        assert.deepEqual(
          incoming.data.map((r: { id: string }) => r.id),
          [mine[2].id, mine[1].id, mine[0].id],
        );
        assert.equal((await call('GET', '/api/v1/payment-requests?role=incoming', alice)).json().data.length, 0, 'nobody asked alice');
        const paid = (await call('GET', '/api/v1/payment-requests?role=incoming&status=paid', bob)).json();
        assert.ok(paid.data.length >= 2 && paid.data.every((r: { status: string }) => r.status === 'paid'));
        const expired = (await call('GET', '/api/v1/payment-requests?role=outgoing&status=expired', alice)).json();
        assert.ok(expired.data.length >= 1 && expired.data.every((r: { status: string }) => r.status === 'expired'));
        await refused(() => call('GET', '/api/v1/payment-requests?role=sideways', alice), 400, 'invalid_request', 'role');
        await refused(() => call('GET', '/api/v1/payment-requests', alice), 400, 'invalid_request', 'role');
        await refused(() => call('GET', '/api/v1/payment-requests?role=outgoing&status=lost', alice), 400, 'invalid_request', 'status');
        await refused(() => call('GET', '/api/v1/payment-requests?role=outgoing&limit=101', alice), 400, 'invalid_request', 'limit');
        await refused(
          () => call('GET', `/api/v1/payment-requests?role=incoming&starting_after=${mine[0].id}`, alice),
          400,
          'invalid_request',
          'starting_after',
        );
        await cancelAll(alice);
      });
    });
  });
}
