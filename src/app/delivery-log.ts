/**
 * The outbox's delivery log for operators (issue 18 item 3: a message that keeps failing ends
 * `failed` and is visible to operators): newest first, optionally one status, keyset pages by the
 * outbox's seq. Email targets are never shown (a customer's address): the repository masks them.
 */
import { DomainError } from '../domain/errors.js';
import { listOutbox } from '../storage/repositories/outbox-repository.js';
import type { AppContext } from './context.js';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRow {
  seq: bigint;
  id: string;
  channel: string;
  target: string;
  eventType: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAtMs: bigint;
  deliveredAtMs: bigint | null;
  nextAttemptAtMs: bigint;
}

/**
 * One page of the log: up to `limit` messages (1..200) older than `beforeSeq` when given.
 * @throws DomainError invalid_request (param status) for a status that is not one of DELIVERY_STATUSES.
 */
export async function deliveryLog(
  ctx: AppContext,
  options: { status?: string; limit: number; beforeSeq?: bigint },
): Promise<{ data: DeliveryRow[]; hasMore: boolean }> {
  const status = options.status === undefined || options.status === '' ? undefined : options.status;
  if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status))
    throw new DomainError('invalid_request', 'Choose pending, delivered or failed.', 'status');
  const limit = Math.min(Math.max(options.limit, 1), 200);
  const rows = await listOutbox(ctx.storage.db, { status: status as DeliveryStatus | undefined, limit: limit + 1, beforeSeq: options.beforeSeq });
  return {
    data: rows.slice(0, limit).map((r) => ({
      ...r,
      createdAtMs: BigInt(r.createdAtMs),
      deliveredAtMs: r.deliveredAtMs === null ? null : BigInt(r.deliveredAtMs),
      nextAttemptAtMs: BigInt(r.nextAttemptAtMs),
    })),
    hasMore: rows.length > limit,
  };
}
