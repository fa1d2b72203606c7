/**
 * A real webhook receiver on 127.0.0.1 for the outbox tests (issue 18): it verifies every request's
 * Standard Webhooks signature with the `standardwebhooks` library and answers as the test says
 * (`plan` is asked per request: a status, or 'hang' to never answer within the sender's timeout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('a test webhook secret of 32 bytes!').toString('base64')}`;

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  verified: boolean;
  body: { type: string; data: Record<string, unknown>; timestamp: string };
  /** What this receiver answered. */
  answered: number | 'hang';
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The deliveries it answered 2xx, one per webhook-id. */
  deliveredIds(): string[];
  plan: (n: number) => number | 'hang';
  close(): Promise<void>;
}

export async function startWebhookReceiver(plan: (n: number) => number | 'hang' = () => 204): Promise<WebhookReceiver> {
  const verifier = new Webhook(TEST_WEBHOOK_SECRET);
  const received: ReceivedWebhook[] = [];
  const hanging = new Set<http.ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    received,
    plan,
    deliveredIds: () => received.filter((r) => r.answered !== 'hang' && r.answered < 300).map((r) => r.id),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      let verified = true;
      try {
        verifier.verify(raw, headers);
      } catch {
        verified = false;
      }
      const answer = receiver.plan(received.length);
      received.push({
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
        verified,
        body: JSON.parse(raw),
        answered: answer,
      });
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
