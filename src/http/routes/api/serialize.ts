/** Views (domain terms) to the contract's snake_case JSON. */
import { transactionWebhookData } from '../../../app/webhook-data.js';
import type { AccountView, UserView } from '../../../app/views.js';

export const rfc3339 = (ms: bigint): string => new Date(Number(ms)).toISOString();

export const userJson = (u: UserView) => ({ id: u.id, username: u.username, created_at: rfc3339(u.createdAtMs) });

export const accountJson = (a: AccountView) => ({
  id: a.id,
  number: a.number,
  currency: a.currency,
  balance: a.balanceMinor,
  available_balance: a.availableMinor,
  created_at: rfc3339(a.createdAtMs),
  name: a.name,
  status: a.status,
});

/** The contract's JSON, from its one home (app/webhook-data.ts: webhooks must carry exactly what the API returns). */
export const transactionJson = transactionWebhookData;

/** JSON.stringify that writes bigints as exact integers (for bodies stored for idempotent replay). */
export function stringifyExact(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `\u0000big:${v}` : v));
  return json.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}
