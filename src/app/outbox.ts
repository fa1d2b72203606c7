/**
 * Writing outbox messages (issue 18): webhooks to every WEBHOOK_URLS receiver and emails, inside
 * the caller's transaction so a message exists exactly when what it reports committed. With no
 * WEBHOOK_URLS nothing is written for webhooks; with no SMTP_URL nothing for email.
 */
import { insertOutboxMessages, type NewOutboxMessage } from '../storage/repositories/outbox-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';

/** The Standard Webhooks event types (contract "Recovery and notifications"). */
export type WebhookEventType = 'transaction.created' | 'hold.updated' | 'payment_request.updated';

/** An email as queued: plain text and simple HTML; the outbox keeps it sealed. */
export interface QueuedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** True when some webhook receiver is configured (callers skip building the event otherwise). */
export const webhooksOn = (ctx: Pick<AppContext, 'config'>): boolean => ctx.config.webhookUrls.length > 0;

/** True when email can be sent (SMTP_URL set). */
export const emailOn = (ctx: Pick<AppContext, 'config'>): boolean => ctx.config.smtpUrl !== '';

/**
 * Queues one webhook event per configured receiver: body `{type, data, timestamp}` (RFC 3339 of the
 * event), fixed now so every retry sends the same bytes; `accounts` (one or two ids) order the
 * deliveries per account. Writes nothing when no receiver is configured.
 */
export async function enqueueWebhook(ctx: AppContext, trx: Db | Trx, type: WebhookEventType, data: unknown, accounts: readonly string[]): Promise<void> {
  if (!webhooksOn(ctx)) return;
  const nowMs = ctx.clock.nowMs();
  const body = jsonExact({ type, data, timestamp: new Date(nowMs).toISOString() });
  const messages: NewOutboxMessage[] = ctx.config.webhookUrls.map((url) => ({
    id: `msg_${ctx.random.uuid().replaceAll('-', '')}`,
    channel: 'webhook',
    target: url,
    eventType: type,
    keyA: accounts[0] ?? null,
    keyB: accounts[1] ?? null,
    payload: body,
    createdAtMs: BigInt(nowMs),
  }));
  await insertOutboxMessages(trx, messages);
}

/** Queues one email (sealed at rest: it may carry a one-time link); nothing when email is off. */
export async function enqueueEmail(ctx: AppContext, trx: Db | Trx, kind: string, mail: QueuedMail): Promise<void> {
  if (!emailOn(ctx)) return;
  const id = `mail_${ctx.random.uuid().replaceAll('-', '')}`;
  const payload = ctx.secrets ? `sealed:${ctx.secrets.seal(JSON.stringify(mail), id)}` : JSON.stringify(mail);
  await insertOutboxMessages(trx, [
    { id, channel: 'email', target: mail.to, eventType: kind, keyA: null, keyB: null, payload, createdAtMs: BigInt(ctx.clock.nowMs()) },
  ]);
}

/** The queued email of a message (opens a sealed payload). @throws Error when it cannot be opened. */
export function openQueuedMail(ctx: AppContext, id: string, payload: string): QueuedMail {
  if (!payload.startsWith('sealed:')) return JSON.parse(payload) as QueuedMail;
  if (!ctx.secrets) throw new Error('a sealed email without a secret box');
  return JSON.parse(ctx.secrets.open(payload.slice('sealed:'.length), id)) as QueuedMail;
}

/** JSON with bigints as exact integers (amounts in minor units are bigints in the views). */
export function jsonExact(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v));
  return json.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}
