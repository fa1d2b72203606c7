/**
 * The outbox worker (issue 18): every OUTBOX_POLL_INTERVAL_MS it claims the due messages
 * (outbox-repository.ts: a lease, `FOR UPDATE SKIP LOCKED` on PostgreSQL, so each message has one
 * worker across instances), delivers them (webhook POST or email) and settles each: `delivered`,
 * or due again after an exponential backoff (OUTBOX_RETRY_BASE_MS doubling, at most
 * OUTBOX_RETRY_MAX_MS), or `failed` after OUTBOX_MAX_ATTEMPTS tries. A worker that dies between
 * claim and settle leaves the message to be claimed again once its lease (OUTBOX_LEASE_MS) passes:
 * delivery is at least once, and a webhook keeps its `webhook-id` so receivers can drop repeats.
 */
import type { MailSender } from '../services/mail-sender.js';
import type { WebhookSender } from '../services/webhook-sender.js';
import { claimDueMessages, markAttemptFailed, markDelivered, type ClaimedMessage } from '../storage/repositories/outbox-repository.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { openQueuedMail } from './outbox.js';

/** How many messages one round claims (delivered concurrently; each is a different account or target). */
const CLAIM_BATCH = 20;

export interface OutboxSenders {
  webhooks: WebhookSender | null;
  mail: MailSender | null;
}

export interface OutboxWorker {
  /**
   * Runs a round that starts after this call (waiting first for one already under way), so every
   * message committed before the call is tried; resolves when its deliveries are settled (tests; ticks).
   */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the round in progress. */
  stop(): Promise<void>;
}

/** The wait after the `attempts`-th failed try: base * 2^(attempts-1), capped (ms). */
export function backoffMs(attempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 40));
}

/** One round: claim, deliver, settle. Returns how many messages it claimed. */
export async function deliverDueMessages(ctx: AppContext, senders: OutboxSenders, leaseId: string): Promise<number> {
  const nowMs = BigInt(ctx.clock.nowMs());
  const claimed = await ctx.storage.writeTransaction((trx) =>
    claimDueMessages(trx, ctx.storage.dialect, { leaseId, nowMs, leaseMs: BigInt(ctx.config.outboxLeaseMs), limit: CLAIM_BATCH }),
  );
  await Promise.all(claimed.map((message) => deliverOne(ctx, senders, message)));
  return claimed.length;
}

async function deliverOne(ctx: AppContext, senders: OutboxSenders, message: ClaimedMessage): Promise<void> {
  let error: string | null = null;
  try {
    await send(ctx, senders, message);
  } catch (e) {
    error = (e as Error).message || 'delivery failed';
  }
  const nowMs = ctx.clock.nowMs();
  const write = async (db: Db | Trx) => {
    if (error === null) return void (await markDelivered(db, message, BigInt(nowMs)));
    const final = message.attempts >= ctx.config.outboxMaxAttempts;
    const retryAtMs = BigInt(nowMs + backoffMs(message.attempts, ctx.config.outboxRetryBaseMs, ctx.config.outboxRetryMaxMs));
    await markAttemptFailed(db, message, { error, retryAtMs, final });
  };
  // On SQLite a lone write shares the group commit instead of stalling on its own fsync.
  if (ctx.storage.groupsLoneWrites) await ctx.storage.writeTransaction(write);
  else await write(ctx.storage.db);
}

async function send(ctx: AppContext, senders: OutboxSenders, message: ClaimedMessage): Promise<void> {
  if (message.channel === 'webhook') {
    // A receiver removed from WEBHOOK_URLS is not called any more: the operator took it out.
    if (!senders.webhooks || !ctx.config.webhookUrls.includes(message.target)) throw new Error('receiver no longer configured');
    await senders.webhooks.send(message.target, message.id, message.payload, new Date(ctx.clock.nowMs()));
    return;
  }
  if (!senders.mail) throw new Error('email is off (SMTP_URL empty)');
  await senders.mail.send(openQueuedMail(ctx, message.id, message.payload));
}

/**
 * Starts the worker in this process: a round every OUTBOX_POLL_INTERVAL_MS (one at a time), the
 * first at once. Failures of a round (the database away) go to `onError` and the next tick retries.
 */
export function startOutboxWorker(ctx: AppContext, senders: OutboxSenders, onError: (error: unknown) => void): OutboxWorker {
  const leaseId = ctx.random.uuid();
  let running: Promise<number> | null = null;
  let stopped = false;
  const runOnce = async (): Promise<number> => {
    // A round already under way may have claimed before the caller's message committed: let it end,
    // then run (or join) a round that started after the call, so the caller's message is in it.
    if (running) await running.catch(() => undefined);
    if (running) return running;
    const round = deliverDueMessages(ctx, senders, leaseId).finally(() => {
      running = null;
    });
    running = round;
    return round;
  };
  const tick = () => {
    if (!stopped && !running) runOnce().catch(onError);
  };
  const timer = setInterval(tick, ctx.config.outboxPollIntervalMs);
  timer.unref();
  tick();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
