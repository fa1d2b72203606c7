/**
 * The delivery log in the console (issue 18 item 4), on both databases: an admin sees outbox
 * messages with status, tries and last error, filtered by status, so a webhook that ended `failed`
 * (its receiver answered 500 on every try) is visible to operators; support staff and customers
 * are refused; an unknown status filter is a 400 that lists nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dialects, waitFor, withHarness } from '../helpers/harness.js';
import { manualClock } from '../helpers/second-factor.js';
import { staffBrowser, staffUser } from '../helpers/staff.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../helpers/webhook-receiver.js';
import { signedIn } from '../pages/browser.js';

const rows = (body: string) => [...body.matchAll(/data-testid="delivery" data-id="([^"]+)" data-status="([^"]+)"/g)].map((m) => ({ id: m[1]!, status: m[2]! }));

for (const dialect of await dialects()) {
  describe(`the delivery log (${dialect})`, () => {
    it('shows admins failed webhooks with their tries and last error, filtered by status; refuses support staff and customers', async () => {
      const receiver = await startWebhookReceiver(() => 500);
      const clock = manualClock();
      const config = { webhookUrls: [receiver.url], webhookSecret: TEST_WEBHOOK_SECRET, outboxPollIntervalMs: 10, outboxMaxAttempts: 1 };
      await withHarness(dialect, { clock, config }, async (h) => {
        const alice = await h.user('alice');
        await h.deposit(alice, 700);
        const outbox = () => h.app.ctx.storage.db.selectFrom('outbox').select(['id', 'status']).execute();
        await waitFor('the webhook given up', async () => (await outbox()).some((m) => m.status === 'failed'), { attempts: 1000 });
        const failed = (await outbox()).find((m) => m.status === 'failed')!;

        const ada = await staffUser(h, 'ada', 'admin', clock);
        const admin = await staffBrowser(h, ada, clock);
        const all = await admin.get('/admin/deliveries');
        assert.equal(all.status, 200, all.body.slice(0, 300));
        assert.match(all.body, /id="admin-nav-deliveries"/);
        assert.ok(rows(all.body).some((r) => r.id === failed.id && r.status === 'failed'));
        assert.match(all.body, /data-testid="attempts">1</);
        assert.match(all.body, /data-testid="last-error">[^<]*500/);

        const onlyFailed = await admin.get('/admin/deliveries?status=failed');
        assert.ok(rows(onlyFailed.body).length > 0 && rows(onlyFailed.body).every((r) => r.status === 'failed'));
        const onlyDelivered = await admin.get('/admin/deliveries?status=delivered');
        assert.deepEqual(rows(onlyDelivered.body), []);
        const bad = await admin.get('/admin/deliveries?status=lost');
        assert.equal(bad.status, 400);
        assert.deepEqual(rows(bad.body), []);

        const sam = await staffUser(h, 'sam', 'support', clock);
        const support = await staffBrowser(h, sam, clock);
        assert.equal((await support.get('/admin/deliveries')).status, 403);
        const { browser: customer } = await signedIn(h, 'carol');
        const asCustomer = await customer.get('/admin/deliveries');
        assert.ok(asCustomer.status === 403 || asCustomer.status === 404, `customer: ${asCustomer.status}`);
        assert.deepEqual(rows(asCustomer.body), []);
      });
      await receiver.close();
    });
  });
}
