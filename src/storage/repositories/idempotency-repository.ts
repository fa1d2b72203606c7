import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';

// Every idempotent movement runs claim and store (and a replay, find): prepared once (prepared-query.ts).
const claim = preparedQuery<{ userId: string; key: string; requestHash: string; nowMs: bigint }>((db, p) =>
  db
    .insertInto('idempotency_keys')
    .values({ user_id: p('userId'), key: p('key'), request_hash: p('requestHash'), response_status: null, response_body: null, created_at: p('nowMs') })
    .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing()),
);
const find = preparedQuery<{ userId: string; key: string }, { request_hash: string; response_status: number | bigint | null; response_body: string | null }>(
  (db, p) =>
    db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'response_status', 'response_body'])
      .where('user_id', '=', p('userId'))
      .where('key', '=', p('key')),
);
const store = preparedQuery<{ userId: string; key: string; status: number; body: string }>((db, p) =>
  db
    .updateTable('idempotency_keys')
    .set({ response_status: p('status'), response_body: p('body') })
    .where('user_id', '=', p('userId'))
    .where('key', '=', p('key')),
);

export interface StoredIdempotentResponse {
  requestHash: string;
  responseStatus: number | null;
  responseBody: string | null;
}

/**
 * Claims `key` for this user. Returns true when this request is the first with the key. On
 * PostgreSQL a concurrent claim of the same key waits for the first transaction to end.
 */
export async function claimKey(trx: Trx, request: { userId: string; key: string; requestHash: string; nowMs: bigint }): Promise<boolean> {
  return (await claim.changed(trx, request)) === 1;
}

export async function findKey(db: Db | Trx, userId: string, key: string): Promise<StoredIdempotentResponse | undefined> {
  const row = await find.first(db, { userId, key });
  return (
    row && { requestHash: row.request_hash, responseStatus: row.response_status === null ? null : Number(row.response_status), responseBody: row.response_body }
  );
}

export async function storeResponse(trx: Trx, userId: string, key: string, status: number, body: string): Promise<void> {
  await store.changed(trx, { userId, key, status, body });
}

export async function deleteKeysOlderThan(db: Db | Trx, cutoffMs: bigint): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoffMs).execute();
}
