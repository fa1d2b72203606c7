/**
 * A staff reversal is a committed ledger transaction like any other, so receivers hear of it as
 * `transaction.created` (issue 18 item 5: "every committed ledger transaction"), with the object the
 * reversal API returned as `data`, once; a refused reversal sends nothing. Real receiver verifying
 * each Standard Webhooks signature, on every dialect.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, closingAfter, createHarness, dialects, waitFor, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, manualClock } from '../helpers/second-factor.js';
import { staffUser } from '../helpers/staff.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../helpers/webhook-receiver.js';

const fast = { outboxPollIntervalMs: 10, outboxRetryBaseMs: 10, outboxRetryMaxMs: 50, webhookTimeoutMs: 300, outboxLeaseMs: 2000, holdSweepIntervalMs: 0 };

const post = (h: Harness, user: TestUser, url: string, payload: object, headers: Record<string, string> = {}) =>
  h.inject({ method: 'POST', url, headers: { ...auth(user), ...headers }, payload });

for (const dialect of await dialects()) {
  describe(`reversal webhooks (${dialect})`, () => {
    it('sends a reversal as transaction.created once, with the reversal as data; a refused reversal sends nothing', async () => {
      const receiver = await startWebhookReceiver();
      // Near real time: the receiver checks each signature's timestamp against its own clock (5 min tolerance).
      const clock = manualClock(Date.now());
      const config = { ...fast, webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET };
      await closingAfter(await createHarness(dialect, { clock, config }), async (h) => {
        const admin = await staffUser(h, 'ada', 'admin', clock);
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 5000);
        const sent = await post(h, alice, '/api/v1/transfers', { from_account_id: alice.accountId, to: 'bob', amount: 1200 });
        assert.equal(sent.statusCode, 201, sent.body);
        const transferId = sent.json().transaction.id as string;
        const ids = () => receiver.received.filter((r) => r.verified && r.answered !== 'hang' && r.answered < 300).map((r) => String(r.body.data.id));
        await waitFor('the deposit and the transfer delivered', () => new Set(ids()).size >= 2, { attempts: 1000 });

        clock.advanceSteps(1);
        const reason = { reason: 'customer paid the wrong person' };
        const reversed = await post(h, admin, `/api/v1/admin/transactions/${transferId}/reverse`, reason, { 'mfa-code': codeAt(admin.secret, clock) });
        assert.equal(reversed.statusCode, 201, reversed.body);
        const reversal = reversed.json().transaction as { id: string; type: string };
        assert.equal(reversal.type, 'reversal');
        clock.advanceSteps(1);
        const again = await post(h, admin, `/api/v1/admin/transactions/${transferId}/reverse`, reason, { 'mfa-code': codeAt(admin.secret, clock) });
        assert.equal(again.statusCode, 409, again.body);

        await waitFor('the reversal delivered', () => ids().includes(reversal.id), { attempts: 1000 });
        const events = receiver.received.filter((r) => String(r.body.data.id) === reversal.id);
        assert.ok(
          events.every((e) => e.verified),
          'every signature verifies',
        );
        assert.equal(new Set(events.map((e) => e.id)).size, 1, 'one event id for the reversal');
        const body = events[0]!.body;
        assert.equal(body.type, 'transaction.created');
        assert.deepEqual(body.data, reversed.json().transaction, 'data is what the API returned');
        assert.equal(new Set(ids()).size, 3, 'deposit, transfer and the one reversal: the refused second try sent nothing');
      });
      await receiver.close();
    });
  });
}
