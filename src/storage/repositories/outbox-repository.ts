/**
 * The outbox (migration 017, issue 18): messages written inside the transaction they report, then
 * claimed, delivered and settled by the worker (app/outbox-worker.ts). Times are epoch ms.
 *
 * A claim is one statement: it leases up to `limit` due messages to one worker (`lease_id`) until
 * `lease_until` and counts the try. On PostgreSQL the candidates are locked `FOR UPDATE SKIP
 * LOCKED`, so two instances claiming at once never take the same message; SQLite has one writer.
 * A message whose lease passed without being settled (its worker died) is due again. A webhook
 * waits while an earlier pending message to the same target shares one of its accounts, so each
 * receiver hears about an account in commit order.
 */
import { sql } from 'kysely';
import type { Db, Dialect, Trx } from '../storage.js';

export interface NewOutboxMessage {
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  eventType: string;
  keyA: string | null;
  keyB: string | null;
  payload: string;
  createdAtMs: bigint;
}

export interface ClaimedMessage {
  seq: bigint;
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  eventType: string;
  payload: string;
  /** Tries so far, this one included. */
  attempts: number;
  leaseId: string;
}

/** Writes messages in the caller's transaction (nothing when the list is empty). */
export async function insertOutboxMessages(trx: Db | Trx, messages: readonly NewOutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await trx
    .insertInto('outbox')
    .values(
      messages.map((m) => ({
        id: m.id,
        channel: m.channel,
        target: m.target,
        event_type: m.eventType,
        key_a: m.keyA,
        key_b: m.keyB,
        payload: m.payload,
        next_attempt_at: m.createdAtMs,
        created_at: m.createdAtMs,
      })),
    )
    .execute();
}

/**
 * Leases up to `limit` due messages (oldest first) to `leaseId` until `nowMs + leaseMs` and counts
 * the try; returns them. See the file comment for the rules.
 */
export async function claimDueMessages(
  trx: Db | Trx,
  dialect: Dialect,
  options: { leaseId: string; nowMs: bigint; leaseMs: bigint; limit: number },
): Promise<ClaimedMessage[]> {
  const { leaseId, nowMs, leaseMs, limit } = options;
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  const result = await sql<{ seq: bigint; id: string; channel: 'webhook' | 'email'; target: string; event_type: string; payload: string; attempts: bigint }>`
    update outbox set lease_id = ${leaseId}, lease_until = ${nowMs + leaseMs}, attempts = attempts + 1
    where seq in (
      select o.seq from outbox o
      where o.status = 'pending' and o.next_attempt_at <= ${nowMs} and (o.lease_until is null or o.lease_until <= ${nowMs})
        and (o.key_a is null or not exists (
          select 1 from outbox p
          where p.status = 'pending' and p.seq < o.seq and p.target = o.target
            and (p.key_a in (o.key_a, o.key_b) or p.key_b in (o.key_a, o.key_b))))
      order by o.seq limit ${limit} ${lock})
    returning seq, id, channel, target, event_type, payload, attempts`.execute(trx);
  return result.rows
    .map((r) => ({
      seq: BigInt(r.seq),
      id: r.id,
      channel: r.channel,
      target: r.target,
      eventType: r.event_type,
      payload: r.payload,
      attempts: Number(r.attempts),
      leaseId,
    }))
    .sort((a, b) => (a.seq < b.seq ? -1 : 1));
}

/** Marks a claimed message delivered; false when its lease was lost (another worker took it over). */
export async function markDelivered(db: Db | Trx, message: Pick<ClaimedMessage, 'seq' | 'leaseId'>, nowMs: bigint): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'delivered', delivered_at: nowMs, lease_id: null, lease_until: null, last_error: null })
    .where('seq', '=', message.seq)
    .where('lease_id', '=', message.leaseId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Records a failed try: due again at `retryAtMs`, or `failed` for good when `final`. */
export async function markAttemptFailed(
  db: Db | Trx,
  message: Pick<ClaimedMessage, 'seq' | 'leaseId'>,
  outcome: { error: string; retryAtMs: bigint; final: boolean },
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status: outcome.final ? 'failed' : 'pending',
      next_attempt_at: outcome.retryAtMs,
      lease_id: null,
      lease_until: null,
      last_error: outcome.error.slice(0, 500),
    })
    .where('seq', '=', message.seq)
    .where('lease_id', '=', message.leaseId)
    .where('status', '=', 'pending')
    .execute();
}

export interface OutboxRow {
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAtMs: bigint;
  deliveredAtMs: bigint | null;
  nextAttemptAtMs: bigint;
}

/** The delivery log, newest first (operators); `status` narrows it; `beforeSeq` pages. */
export async function listOutbox(
  db: Db | Trx,
  options: { status?: 'pending' | 'delivered' | 'failed'; limit: number; beforeSeq?: bigint },
): Promise<(OutboxRow & { seq: bigint })[]> {
  let query = db
    .selectFrom('outbox')
    .select(['seq', 'id', 'channel', 'target', 'event_type', 'status', 'attempts', 'last_error', 'created_at', 'delivered_at', 'next_attempt_at'])
    .orderBy('seq', 'desc')
    .limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  if (options.beforeSeq !== undefined) query = query.where('seq', '<', options.beforeSeq);
  const rows = await query.execute();
  return rows.map((r) => ({
    seq: BigInt(r.seq),
    id: r.id,
    // An email's target is a customer's address: operators see the channel, not the address.
    channel: r.channel,
    target: r.channel === 'email' ? '(email)' : r.target,
    eventType: r.event_type,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    createdAtMs: r.created_at,
    deliveredAtMs: r.delivered_at,
    nextAttemptAtMs: r.next_attempt_at,
  }));
}
