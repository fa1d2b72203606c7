import { balanceBefore, closingBalancesByBucket } from '../storage/repositories/balance-history-repository.js';
import { nowMsBig, type AppContext } from './context.js';
import type { OwnedAccount } from './owned-account.js';

export const DAY_MS = 86_400_000n;

export interface BalancePoint {
  /** End of the day this balance closes (the last point is "now"). */
  atMs: bigint;
  balanceMinor: bigint;
}

/**
 * The balance at the start of the window and at the end of each of the last `days` days (rolling
 * 24-hour days ending now), for the dashboard chart: `days + 1` points, oldest first. The caller
 * has checked the account is the user's (the dashboard's primary account).
 */
export async function balanceHistory(ctx: AppContext, account: OwnedAccount, days = 30): Promise<{ currency: string; points: BalancePoint[] }> {
  const nowMs = nowMsBig(ctx);
  const fromMs = nowMs - BigInt(days) * DAY_MS;
  const opening = await balanceBefore(ctx.storage.db, account.id, fromMs);
  const closing = new Map<number, bigint>();
  for (const row of await closingBalancesByBucket(ctx.storage.db, account.id, fromMs, nowMs + 1n, DAY_MS)) {
    closing.set(Math.min(row.bucket, days - 1), row.balanceMinor);
  }
  const points: BalancePoint[] = [{ atMs: fromMs, balanceMinor: opening }];
  let balance = opening;
  for (let day = 0; day < days; day++) {
    balance = closing.get(day) ?? balance;
    points.push({ atMs: fromMs + BigInt(day + 1) * DAY_MS, balanceMinor: balance });
  }
  return { currency: account.currency, points };
}
