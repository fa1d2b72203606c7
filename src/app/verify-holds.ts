/**
 * The holds part of `minibank verify` (issue 14 item 2, docs/ledger.md "Holds"): each account's
 * `held` is the sum of its pending holds as payer, and no user account's available balance
 * (balance - held) is negative. Read-only; reports, never throws for what it finds.
 */
import { heldMismatches } from '../storage/repositories/hold-repository.js';
import type { Db } from '../storage/storage.js';

/** Most accounts named; the rest are counted (as in verify-books.ts). */
const MAX_NAMED = 20;

const text = (value: unknown): string =>
  typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string'
    ? String(value)
    : value === null || value === undefined
      ? '0'
      : JSON.stringify(value);

/** The problems found with holds, one sentence each (empty when they agree with the accounts). */
export async function verifyHolds(db: Db): Promise<{ problems: string[] }> {
  const rows = await heldMismatches(db);
  const problems = rows.slice(0, MAX_NAMED).map((r) => {
    const pending = text(r.pending);
    return text(r.held) !== pending
      ? `account ${r.number} holds ${text(r.held)} in reserve but its pending holds sum to ${pending}`
      : `account ${r.number} has a negative available balance: ${text(r.balance)} minus ${text(r.held)} held`;
  });
  if (rows.length > MAX_NAMED) problems.push(`... and ${rows.length - MAX_NAMED} more accounts whose holds disagree`);
  return { problems };
}
