/**
 * Starts the outbox worker in a serving process (issue 18) when there is something to deliver to:
 * SMTP_URL or WEBHOOK_URLS set. With neither, no worker runs and the database is never polled.
 * `app.outbox` is the worker (tests run a round with `runOnce`), or null.
 */
import type { FastifyInstance } from 'fastify';
import { startOutboxWorker, type OutboxWorker } from '../app/outbox-worker.js';
import { createMailSender } from '../services/mail-sender.js';
import { createWebhookSender } from '../services/webhook-sender.js';

/** An SMTP conversation step (connect, greeting, each reply) must answer within this long (ms). */
const SMTP_TIMEOUT_MS = 15_000;

declare module 'fastify' {
  interface FastifyInstance {
    outbox: OutboxWorker | null;
  }
}

/**
 * Decorates `app.outbox` and stops the worker (and closes the SMTP pool) when the app closes.
 * @throws Error when WEBHOOK_URLS is set without WEBHOOK_SECRET (every webhook must be signed).
 */
export function wireOutbox(app: FastifyInstance): void {
  const { config } = app.ctx;
  if (config.webhookUrls.length > 0 && config.webhookSecret === '')
    throw new Error('WEBHOOK_URLS is set but WEBHOOK_SECRET is empty: webhooks are always signed');
  const webhooks = config.webhookUrls.length > 0 ? createWebhookSender({ secret: config.webhookSecret, timeoutMs: config.webhookTimeoutMs }) : null;
  const mail = config.smtpUrl ? createMailSender({ smtpUrl: config.smtpUrl, from: config.mailFrom, timeoutMs: SMTP_TIMEOUT_MS }) : null;
  const worker = webhooks || mail ? startOutboxWorker(app.ctx, { webhooks, mail }, (error) => app.log.warn({ err: error }, 'outbox round failed')) : null;
  app.decorate('outbox', worker);
  app.addHook('onClose', async () => {
    await worker?.stop();
    mail?.close();
  });
}
