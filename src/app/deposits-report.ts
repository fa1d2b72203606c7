/**
 * The self-service deposits report (issue 15 item 5): money added with "Add money" came from
 * nowhere, so an admin can see who added how much and when, filtered by a date range, with totals
 * per currency, a page at a time or as one CSV file. Each page viewed and each export is a
 * `staff_looked` event naming the range (every look at customers' data is audited, item 3).
 */
import { DomainError } from '../domain/errors.js';
import { depositTotals, listDeposits, type DepositRange, type DepositRow, type DepositTotal } from '../storage/repositories/staff-ledger-repository.js';
import type { AppContext } from './context.js';
import { isPlausibleId } from './owned-account.js';
import { recordStaffAction } from './staff-audit.js';
import type { Looker } from './staff-looks.js';

export type { DepositRange, DepositRow, DepositTotal };

/** Deposits per page in the console. */
export const DEPOSITS_PAGE_SIZE = 50;
/** Deposits read per statement while writing the CSV file (memory stays flat however long). */
const EXPORT_CHUNK = 500;

export interface DepositsPage {
  data: DepositRow[];
  hasMore: boolean;
  /** Over the whole range, not only this page. */
  totals: DepositTotal[];
}

const badCursor = () => new DomainError('invalid_request', 'That page of the report no longer exists.', 'after');

function audit(ctx: AppContext, looker: Looker, range: DepositRange, how: 'page' | 'csv') {
  return recordStaffAction(ctx, looker.staff, looker.client, 'staff_looked', {
    what: 'deposits',
    how,
    from_ms: range.fromMs ?? null,
    to_ms: range.toMs ?? null,
    reason: looker.reason,
  });
}

/**
 * One page of deposits in `range` (newest first, `DEPOSITS_PAGE_SIZE` at most, after the deposit
 * `after`) and the range's totals per currency, recorded as a look.
 * @throws DomainError invalid_request (param after) when `after` names no deposit.
 */
export async function depositsReport(ctx: AppContext, looker: Looker, range: DepositRange, after?: string): Promise<DepositsPage> {
  if (after !== undefined && !isPlausibleId(after)) throw badCursor();
  await audit(ctx, looker, range, 'page');
  const rows = await listDeposits(ctx.storage.db, range, DEPOSITS_PAGE_SIZE + 1, after);
  if (rows === undefined) throw badCursor();
  return { data: rows.slice(0, DEPOSITS_PAGE_SIZE), hasMore: rows.length > DEPOSITS_PAGE_SIZE, totals: await depositTotals(ctx.storage.db, range) };
}

/** Every deposit in `range`, newest first, read in chunks (keyset), recorded as one look. */
export async function* exportDeposits(ctx: AppContext, looker: Looker, range: DepositRange): AsyncGenerator<DepositRow[]> {
  await audit(ctx, looker, range, 'csv');
  let after: string | undefined;
  for (;;) {
    const rows = (await listDeposits(ctx.storage.db, range, EXPORT_CHUNK, after)) ?? [];
    if (rows.length > 0) yield rows;
    if (rows.length < EXPORT_CHUNK) return;
    after = rows[rows.length - 1]!.id;
  }
}
