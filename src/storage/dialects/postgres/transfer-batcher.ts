/**
 * PostgreSQL: transfers that arrive in one turn of the event loop go to the database as ONE call of
 * `minibank_transfer_batch` (transfer-batch-sql.ts, issue 17 item 5): one round trip, autocommitted, so the
 * whole batch commits together (one WAL flush), and each caller gets its own row.
 *
 * Collecting: like the group commit (storage/group-commit.ts), no timer. The first transfer
 * schedules a call with setImmediate, so the transfers of that turn of the event loop go together
 * (at most `maxBatch` per call); while a call runs, new transfers queue, and the next call takes
 * them. One call at a time per batcher (per instance): a batch keeps every row it locked until it
 * commits, and two batches of one instance running at once, on two connections, lock accounts in
 * interleaved orders and can deadlock each other (in the bench, concurrent calls had a p99 of 0.8-1.0
 * s, near PostgreSQL's 1 s deadlock_timeout; one call at a time, 0.2 s: docs/performance.md). Calls of
 * two instances can still deadlock: that is the retry's job.
 *
 * Retrying: inside the function each transfer runs in its own subtransaction, so a refusal or a
 * failure of one is that transfer's row only. A serialization failure (40001) or a deadlock (40P01)
 * aborts the whole call (transfers of two batches, in two calls or two instances, can lock the same
 * accounts in opposite orders): nothing of it committed, and the whole call is sent again, a bounded
 * number of times as `writeTransaction` does (dialects/postgres.ts); only then do its callers get
 * the error. Any other error of the call reaches every caller of the batch (none of it committed).
 */
import { sql } from 'kysely';
import { preparedQuery } from '../../prepared-query.js';
import { MAX_ATTEMPTS, retryingConflicts } from './retry.js';
import type { Db, Storage } from '../../storage.js';

/** One transfer as the function takes it. Times epoch ms, amounts minor units. */
export interface BatchTransfer {
  userId: string;
  key: string;
  requestHash: string;
  payerId: string;
  payeeNumber: string;
  amountMinor: bigint;
  memo: string | null;
  transactionId: string;
  createdAtMs: bigint;
  tokenId: string | null;
  sessionHandle: string | null;
}

/**
 * What the function did with one transfer. `moved`/`refused`: `body` is the facts it stored
 * (app/movement-facts.ts). `replay`: the key was there; `status`, `body`, `requestHash` are its row.
 * `failed`: nothing written, `errorCode` is the SQLSTATE.
 */
export interface BatchRow {
  kind: 'moved' | 'refused' | 'replay' | 'failed';
  body: string | null;
  status: number | null;
  requestHash: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface TransferBatcher {
  /** Queues one transfer for the next call; settles with its row once that call committed. */
  submit(transfer: BatchTransfer): Promise<BatchRow>;
  /** Calls committed, transfers in them, whole-call retries, largest batch: for tests and the bench. */
  readonly stats: { calls: number; transfers: number; retries: number; largest: number };
}

export interface BatcherOptions {
  /** Most transfers per call (>= 1). */
  maxBatch: number;
  /** Format tag and `response_status` of the stored facts (app/movement-facts.ts, app/stored-outcome.ts). */
  format: string;
  status: number;
  /** Attempts of one call before its callers get the serialization error (default 8, as postgres.ts). */
  maxAttempts?: number;
}

interface Values {
  users: string[];
  keys: string[];
  hashes: string[];
  payers: string[];
  payees: string[];
  amounts: string[];
  memos: (string | null)[];
  txns: string[];
  ats: string[];
  tokens: (string | null)[];
  sessions: (string | null)[];
  format: string;
  status: number;
}

interface Row {
  r_ord: number;
  r_kind: BatchRow['kind'];
  r_body: string | null;
  r_status: number | null;
  r_hash: string | null;
  r_error_code: string | null;
  r_error_message: string | null;
}

// Fixed text, so it runs as a named prepared statement (parsed once per pool connection).
const batchCall = preparedQuery<Values, Row>((db, p) => {
  const text = (name: keyof Values) => sql`${p(name)}::text[]`;
  const query = sql<Row>`select * from minibank_transfer_batch(${text('users')}, ${text('keys')}, ${text('hashes')}, ${text('payers')},
    ${text('payees')}, ${p('amounts')}::bigint[], ${text('memos')}, ${text('txns')}, ${p('ats')}::bigint[], ${text('tokens')},
    ${text('sessions')}, ${p('format')}::text, ${p('status')}::int)`;
  return { compile: () => query.compile(db) };
});

interface Pending {
  transfer: BatchTransfer;
  resolve(row: BatchRow): void;
  reject(error: unknown): void;
}

/** A batcher sending its calls through `db` (the storage's pool: each call takes one connection). */
export function createTransferBatcher(db: Db, options: BatcherOptions): TransferBatcher {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new Error('maxBatch must be a positive integer');
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  const stats = { calls: 0, transfers: 0, retries: 0, largest: 0 };
  const queue: Pending[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) await send(queue.splice(0, options.maxBatch));
    } finally {
      draining = false;
    }
  }

  async function send(batch: Pending[]): Promise<void> {
    let rows: Row[];
    try {
      rows = await callWithRetries(
        db,
        valuesOf(
          batch.map((p) => p.transfer),
          options,
        ),
        maxAttempts,
        stats,
      );
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    stats.calls += 1;
    stats.transfers += batch.length;
    stats.largest = Math.max(stats.largest, batch.length);
    const byOrd = new Map(rows.map((row) => [Number(row.r_ord), row]));
    batch.forEach((pending, index) => {
      const row = byOrd.get(index + 1);
      if (!row) pending.reject(new Error('transfer batch: no row for a transfer'));
      else pending.resolve(batchRow(row));
    });
  }

  return {
    submit(transfer) {
      return new Promise<BatchRow>((resolve, reject) => {
        queue.push({ transfer, resolve, reject });
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    },
    stats,
  };
}

/** One call, sent again on a serialization failure or deadlock (the whole call rolled back). */
const callWithRetries = (db: Db, call: Values, maxAttempts: number, stats: { retries: number }): Promise<Row[]> =>
  retryingConflicts(() => batchCall.rows(db, call), { maxAttempts, onRetry: () => (stats.retries += 1) });

function valuesOf(transfers: BatchTransfer[], options: BatcherOptions): Values {
  return {
    users: transfers.map((t) => t.userId),
    keys: transfers.map((t) => t.key),
    hashes: transfers.map((t) => t.requestHash),
    payers: transfers.map((t) => t.payerId),
    payees: transfers.map((t) => t.payeeNumber),
    amounts: transfers.map((t) => t.amountMinor.toString()),
    memos: transfers.map((t) => t.memo),
    txns: transfers.map((t) => t.transactionId),
    ats: transfers.map((t) => t.createdAtMs.toString()),
    tokens: transfers.map((t) => t.tokenId),
    sessions: transfers.map((t) => t.sessionHandle),
    format: options.format,
    status: options.status,
  };
}

function batchRow(row: Row): BatchRow {
  return {
    kind: row.r_kind,
    body: row.r_body,
    status: row.r_status === null ? null : Number(row.r_status),
    requestHash: row.r_hash,
    errorCode: row.r_error_code,
    errorMessage: row.r_error_message,
  };
}

const batchers = new WeakMap<Storage, TransferBatcher>();

/**
 * The batcher of this storage (one per pool, made on first use), or undefined where transfers are
 * not batched: SQLite (no round trips to save), or `maxBatch` 0 (PG_TRANSFER_BATCH_MAX=0).
 */
export function transferBatcherFor(storage: Storage, options: BatcherOptions): TransferBatcher | undefined {
  if (storage.dialect !== 'postgres' || options.maxBatch < 1) return undefined;
  let batcher = batchers.get(storage);
  if (!batcher) batchers.set(storage, (batcher = createTransferBatcher(storage.db, options)));
  return batcher;
}
