/**
 * A hold as the use cases hand it back (issue 14 item 2; contract "Holds (round 2)"), in domain
 * terms: bigint minor units, epoch-ms times. Its status is computed on read: a pending hold whose
 * `expires_at` has passed reads `expired` (resolved at its expiry) before any sweeper has settled it.
 */
import type { HoldStatus, HoldWithParties } from '../storage/repositories/hold-repository.js';

export interface HoldParty {
  username: string;
  accountNumber: string;
}

export interface HoldView {
  id: string;
  status: HoldStatus;
  amountMinor: bigint;
  capturedMinor: bigint;
  currency: string;
  from: HoldParty;
  to: HoldParty;
  memo: string | null;
  expiresAtMs: bigint;
  createdAtMs: bigint;
  resolvedAtMs: bigint | null;
}

/** The status of a stored hold as read at `nowMs` (ms): pending past its expiry is `expired`. */
export function statusAt(row: { status: HoldStatus; expires_at: bigint | number }, nowMs: bigint): HoldStatus {
  return row.status === 'pending' && BigInt(row.expires_at) <= nowMs ? 'expired' : row.status;
}

/** The view of a stored hold at `nowMs` (epoch ms). */
export function holdView(row: HoldWithParties, nowMs: bigint): HoldView {
  const status = statusAt(row, nowMs);
  const lapsed = status === 'expired' && row.status === 'pending';
  return {
    id: row.id,
    status,
    amountMinor: BigInt(row.amount),
    capturedMinor: BigInt(row.captured_amount),
    currency: row.currency,
    from: { username: row.from_username ?? '', accountNumber: row.from_number },
    to: { username: row.to_username ?? '', accountNumber: row.to_number },
    memo: row.memo,
    expiresAtMs: BigInt(row.expires_at),
    createdAtMs: BigInt(row.created_at),
    resolvedAtMs: lapsed ? BigInt(row.expires_at) : row.resolved_at === null ? null : BigInt(row.resolved_at),
  };
}

/** True when `userId` may see the hold: its payer or its payee. */
export const isPartyOf = (row: HoldWithParties, userId: string): boolean => row.from_user_id === userId || row.to_user_id === userId;
