/**
 * Two instances delivering from one PostgreSQL database (issue 18 item 3: exactly one worker per
 * message across instances, FOR UPDATE SKIP LOCKED with a lease): two apps, each with its own
 * outbox worker, share the database; transfers made through both are each POSTed exactly once
 * (one delivery per webhook-id, none twice) to a receiver that verifies every signature.
 * PostgreSQL only: SQLite runs one process per data directory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../../src/http/app.js';
import { auth, closingAfter, createHarness, dialects, waitFor, type TestUser } from '../helpers/harness.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../helpers/webhook-receiver.js';

if ((await dialects()).includes('postgres')) {
  describe('the outbox with two instances (postgres)', () => {
    it('delivers each message once when two workers poll one database', async () => {
      const receiver = await startWebhookReceiver();
      const config = { webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET, outboxPollIntervalMs: 5, outboxRetryBaseMs: 10 };
      await closingAfter(await createHarness('postgres', { config }), async (h) => {
        const second = await buildApp({ config: h.config });
        await second.ready();
        try {
          const alice = await h.user('alice');
          const bob = await h.user('bob');
          await h.deposit(alice, 100_000);
          const transfer = (app: typeof second, from: TestUser, n: number) =>
            app.inject({
              method: 'POST',
              url: '/api/v1/transfers',
              headers: { ...auth(from), 'idempotency-key': `two-${n}` },
              payload: { from_account_id: from.accountId, to: bob.accountNumber, amount: n },
            });
          const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => transfer(i % 2 === 0 ? h.app : second, alice, i + 1)));
          assert.ok(answers.every((a) => a.statusCode === 201));
          const rows = await h.app.ctx.storage.db.selectFrom('outbox').select(['id', 'status']).execute();
          assert.equal(rows.length, 41, 'the deposit and 40 transfers');
          await waitFor('every message delivered', () => new Set(receiver.deliveredIds()).size === rows.length, { attempts: 2000 });
          await new Promise((resolve) => setTimeout(resolve, 300));
          const perId = new Map<string, number>();
          for (const r of receiver.received) perId.set(r.id, (perId.get(r.id) ?? 0) + 1);
          assert.deepEqual(
            [...perId].filter(([, n]) => n > 1),
            [],
            'no message was POSTed twice',
          );
          assert.ok(receiver.received.every((r) => r.verified));
          await waitFor('all marked delivered', async () =>
            (await h.app.ctx.storage.db.selectFrom('outbox').select('status').execute()).every((r) => r.status === 'delivered'),
          );
        } finally {
          await second.close();
        }
      });
      await receiver.close();
    });
  });
}
