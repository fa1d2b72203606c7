import type { Db, Trx } from '../storage.js';

export interface StoredIdempotentResponse {
  requestHash: string;
  responseStatus: number | null;
  responseBody: string | null;
}

/**
 * Claims `key` for this user. Returns true when this request is the first with the key. On
 * PostgreSQL a concurrent claim of the same key waits for the first transaction to end.
 */
export async function claimKey(trx: Trx, claim: { userId: string; key: string; requestHash: string; nowMs: bigint }): Promise<boolean> {
  const result = await trx
    .insertInto('idempotency_keys')
    .values({ user_id: claim.userId, key: claim.key, request_hash: claim.requestHash, response_status: null, response_body: null, created_at: claim.nowMs })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findKey(db: Db | Trx, userId: string, key: string): Promise<StoredIdempotentResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response_status', 'response_body'])
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && { requestHash: row.request_hash, responseStatus: row.response_status === null ? null : Number(row.response_status), responseBody: row.response_body };
}

export async function storeResponse(trx: Trx, userId: string, key: string, status: number, body: string): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ response_status: status, response_body: body })
    .where('user_id', '=', userId)
    .where('key', '=', key)
    .execute();
}

export async function deleteKeysOlderThan(db: Db | Trx, cutoffMs: bigint): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoffMs).execute();
}
