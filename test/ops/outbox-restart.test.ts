/**
 * A server killed between commit and delivery loses nothing (issue 18 item 3): the real server as a
 * child process (SQLite) commits a deposit whose webhook the receiver does not answer; while the
 * worker waits on it the process is killed with SIGKILL. Started again on the same data directory,
 * the new worker re-claims the message once its lease (OUTBOX_LEASE_MS) lapses and delivers it:
 * the event reaches the receiver with one 2xx, under the same webhook-id, and is recorded delivered.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../helpers/harness.js';
import { startWebhookReceiver, TEST_WEBHOOK_SECRET } from '../helpers/webhook-receiver.js';
import { childEnv, ensureStopped, signUpAndDeposit, startChildServer, tempDataDir, type ChildServer } from './child-server.js';

describe('the outbox across a crash (child process, SQLite)', () => {
  it('delivers a message committed before a SIGKILL once the server is back, once', async () => {
    // The first POST hangs (the worker is mid-delivery when the process dies); later ones get 200.
    const receiver = await startWebhookReceiver((n) => (n === 0 ? 'hang' : 200));
    const dataDir = tempDataDir();
    const env = childEnv(dataDir, {
      WEBHOOK_URLS: receiver.url,
      WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      WEBHOOK_TIMEOUT_MS: '2500',
      OUTBOX_LEASE_MS: '3000',
      OUTBOX_POLL_INTERVAL_MS: '20',
    });
    let server: ChildServer | undefined;
    try {
      server = await startChildServer(env);
      await signUpAndDeposit(server.url, 'alice', 500);
      await waitFor('the worker mid-delivery', () => receiver.received.length === 1, { attempts: 1000 });
      const id = receiver.received[0]!.id;
      server.kill('SIGKILL');
      await server.exited;
      // The dead worker's claim lapses after its lease (3 s) and the new worker takes the message.
      server = await startChildServer(env);
      await waitFor('delivery after the restart', () => receiver.deliveredIds().includes(id), { attempts: 1500 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(receiver.deliveredIds(), [id], 'delivered once, under the same webhook-id');
      assert.ok(receiver.received.every((r) => r.verified));
      assert.equal(receiver.received.at(-1)?.body.data.type, 'deposit');
    } finally {
      await ensureStopped(server);
      await receiver.close();
    }
  });
});
