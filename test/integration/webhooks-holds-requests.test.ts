/**
 * hold.updated and payment_request.updated webhooks and the "payment request received" notice
 * (issue 18 items 2 and 5; contract "Recovery and notifications"), on every dialect, against a real
 * receiver that verifies each Standard Webhooks signature: each committed change is POSTed once with
 * the object the API returned as `data`; a capture also sends its transfer as transaction.created;
 * the sweeper's expiry sends hold.updated once; refusals and idempotent replays send nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sweepExpiredHolds } from '../../src/app/settle-expired-holds.js';
import { auth, closingAfter, createHarness, dialects, waitFor, type Harness, type TestUser } from '../helpers/harness.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const fast = { outboxPollIntervalMs: 10, outboxRetryBaseMs: 10, outboxRetryMaxMs: 50, webhookTimeoutMs: 300, outboxLeaseMs: 2000, holdSweepIntervalMs: 0 };

const call = (h: Harness, user: TestUser, url: string, payload?: object, key?: string) =>
  h.inject({ method: 'POST', url, headers: { ...auth(user), ...(key ? { 'idempotency-key': key } : {}) }, ...(payload ? { payload } : {}) });

/**
 * Distinct events delivered (2xx), first delivery of each, in order. Delivery is at least once per
 * webhook-id (contract): a lease that lapses on a loaded machine may send one again, and receivers
 * dedupe by id, so events are counted by id.
 */
function uniqueDelivered(receiver: WebhookReceiver) {
  const seen = new Set<string>();
  return receiver.received.filter((r) => r.answered !== 'hang' && r.answered < 300 && !seen.has(r.id) && seen.add(r.id));
}

/** Waits until `n` distinct events were delivered, then returns their bodies in delivery order. */
async function delivered(receiver: WebhookReceiver, n: number) {
  await waitFor(`${n} deliveries`, () => uniqueDelivered(receiver).length >= n, { attempts: 1000 });
  assert.ok(
    receiver.received.every((r) => r.verified),
    'every signature verifies',
  );
  return uniqueDelivered(receiver).map((r) => r.body);
}

const outboxCount = async (h: Harness) =>
  Number(
    (
      await h.app.ctx.storage.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

for (const dialect of await dialects()) {
  describe(`hold and payment-request webhooks (${dialect})`, () => {
    it('sends hold.updated on placing, capturing (with the transfer) and voiding, once each; a refusal and a replay send nothing', async () => {
      const receiver = await startWebhookReceiver();
      await closingAfter(await createHarness(dialect, { config: { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }), async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 1000);
        const placed = await call(h, alice, '/api/v1/holds', { from_account_id: alice.accountId, to: 'bob', amount: 400 }, 'hold-1');
        assert.equal(placed.statusCode, 201, placed.body);
        const hold = placed.json().hold;
        assert.equal((await call(h, alice, '/api/v1/holds', { from_account_id: alice.accountId, to: 'bob', amount: 400 }, 'hold-1')).statusCode, 201);
        const before = await outboxCount(h);
        const refused = await call(h, alice, '/api/v1/holds', { from_account_id: alice.accountId, to: 'bob', amount: 99_999 });
        assert.equal(refused.statusCode, 422);
        assert.equal(await outboxCount(h), before, 'a refused hold queues nothing');

        const captured = await call(h, bob, `/api/v1/holds/${hold.id}/capture`, { amount: 150 });
        assert.equal(captured.statusCode, 201, captured.body);
        const second = (await call(h, alice, '/api/v1/holds', { from_account_id: alice.accountId, to: 'bob', amount: 100 })).json().hold;
        const voided = await call(h, bob, `/api/v1/holds/${second.id}/void`);
        assert.equal(voided.statusCode, 200);
        assert.equal((await call(h, bob, `/api/v1/holds/${second.id}/void`)).statusCode, 409);

        // deposit, placed, capture's transfer + hold, second placed, voided
        const events = await delivered(receiver, 6);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(uniqueDelivered(receiver).length, 6, 'nothing more: the replay and the refusals sent nothing');
        const holdEvents = events.filter((e) => e.type === 'hold.updated').map((e) => [e.data.id, e.data.status]);
        assert.deepEqual(holdEvents, [
          [hold.id, 'pending'],
          [hold.id, 'captured'],
          [second.id, 'pending'],
          [second.id, 'voided'],
        ]);
        const capturedEvent = events.find((e) => e.type === 'hold.updated' && e.data.status === 'captured')!;
        assert.deepEqual(capturedEvent.data, captured.json().hold, 'data is the hold as the API returned it');
        const transfer = events.find((e) => e.type === 'transaction.created' && e.data.id === captured.json().transaction.id);
        assert.deepEqual(transfer?.data, captured.json().transaction, 'the capture transfer is sent as transaction.created');
      });
      await receiver.close();
    });

    it('sends hold.updated once when the sweeper settles an expired hold', async () => {
      // Real time: the receiver checks webhook-timestamp against its own clock (Standard Webhooks' tolerance).
      let now = Date.now();
      const receiver = await startWebhookReceiver();
      await closingAfter(
        await createHarness(dialect, { clock: { nowMs: () => now }, config: { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }),
        async (h) => {
          const alice = await h.user('alice');
          await h.user('bob');
          await h.deposit(alice, 1000);
          const hold = (await call(h, alice, '/api/v1/holds', { from_account_id: alice.accountId, to: 'bob', amount: 300, expires_in: 60 })).json().hold;
          now += 61_000;
          assert.equal(await sweepExpiredHolds(h.app.ctx), 1);
          assert.equal(await sweepExpiredHolds(h.app.ctx), 0);
          const events = await delivered(receiver, 3);
          await new Promise((resolve) => setTimeout(resolve, 200));
          const holdEvents = uniqueDelivered(receiver)
            .filter((r) => r.body.type === 'hold.updated')
            .map((r) => r.body.data.status);
          assert.deepEqual(holdEvents, ['pending', 'expired']);
          assert.equal(events.at(-1)?.data.id, hold.id);
        },
      );
      await receiver.close();
    });

    it('sends payment_request.updated on create, pay, decline and cancel, and notifies the payer of a request in the same transaction', async () => {
      const receiver = await startWebhookReceiver();
      await closingAfter(await createHarness(dialect, { config: { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }), async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(bob, 1000);
        const ask = (amount: number) => call(h, alice, '/api/v1/payment-requests', { to_account_id: alice.accountId, from: 'bob', amount });
        const [r1, r2, r3] = [(await ask(100)).json(), (await ask(200)).json(), (await ask(300)).json()];
        const notices = await h.app.ctx.storage.db.selectFrom('notifications').select(['kind', 'text']).where('user_id', '=', bob.userId).execute();
        assert.deepEqual(
          notices.filter((n) => n.kind === 'payment_request_received').map((n) => n.text),
          ['alice asks you to pay 1.00 USD.', 'alice asks you to pay 2.00 USD.', 'alice asks you to pay 3.00 USD.'],
        );
        const paid = await call(h, bob, `/api/v1/payment-requests/${r1.id}/pay`, { from_account_id: bob.accountId }, 'pay-1');
        assert.equal(paid.statusCode, 201, paid.body);
        assert.equal((await call(h, bob, `/api/v1/payment-requests/${r1.id}/pay`, { from_account_id: bob.accountId }, 'pay-1')).statusCode, 201, 'replayed');
        assert.equal((await call(h, bob, `/api/v1/payment-requests/${r2.id}/decline`)).statusCode, 200);
        assert.equal((await call(h, alice, `/api/v1/payment-requests/${r3.id}/cancel`)).statusCode, 200);
        assert.equal((await call(h, alice, `/api/v1/payment-requests/${r3.id}/cancel`)).statusCode, 409);

        // deposit, 3 created, the payment's transfer and its request, declined, cancelled
        await delivered(receiver, 8);
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(uniqueDelivered(receiver).length, 8, 'the replay and the refusal sent nothing');
        const changes = uniqueDelivered(receiver)
          .filter((r) => r.body.type === 'payment_request.updated')
          .map((r) => [r.body.data.id, r.body.data.status]);
        assert.deepEqual(changes, [
          [r1.id, 'pending'],
          [r2.id, 'pending'],
          [r3.id, 'pending'],
          [r1.id, 'paid'],
          [r2.id, 'declined'],
          [r3.id, 'cancelled'],
        ]);
        const paidEvent = uniqueDelivered(receiver).find((r) => r.body.type === 'payment_request.updated' && r.body.data.status === 'paid')!;
        assert.deepEqual(paidEvent.body.data, paid.json().payment_request, 'data is the request as the API returned it');
      });
      await receiver.close();
    });
  });
}
