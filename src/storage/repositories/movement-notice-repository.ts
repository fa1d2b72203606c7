/**
 * The movement notice writer's reads and writes (migration 020; app/write-movement-notices.ts
 * decides, this stores). The writer follows the hash chain, which gives every committed ledger
 * transaction one place in commit order on both databases, with a cursor (`notice_cursor`) moved in
 * the same transaction as the notices it covers. Functions take `db | trx` first; times epoch ms,
 * amounts minor units.
 */
import { CompiledQuery, PostgresAdapter, sql } from 'kysely';
import { NOTIFYING_TYPES, type MovementNotice, type SealedMovement } from '../../domain/movement-notices.js';
import { indexOnlyPlansForTransaction } from '../dialects/postgres/index-only-plans.js';
import { preparedQuery } from '../prepared-query.js';
import type { Db, Dialect, Trx } from '../storage.js';

/** The cursor row, read under the writer's lock. */
export interface NoticeCursor {
  /** Last chain position whose notices are written. */
  position: bigint;
}

/**
 * The chain reaches past the cursor (read without a transaction or lock: an idle tick costs one small
 * read). Compared through max(position), one probe of the primary key's end: `exists (... position >
 * cursor)` was planned on PostgreSQL as a scan of the whole chain from its start, every tick.
 */
const ANY_UNNOTICED = CompiledQuery.raw(
  'select (select coalesce(max(position), 0) from ledger_chain) > (select position from notice_cursor where id = 1) as found',
);

/** True when sealed transactions wait for the notice writer. */
export async function hasUnnoticed(db: Db): Promise<boolean> {
  const result = await db.executeQuery<{ found: boolean | number | bigint }>(ANY_UNNOTICED);
  const found = result.rows[0]?.found;
  return found === true || Number(found ?? 0) === 1;
}

/** A round's statements read a window of the chain and a few rows by key each (dialects/postgres/index-only-plans.ts). */
const PLAN_BY_INDEXES = indexOnlyPlansForTransaction();

/**
 * Takes the writer's lock inside `trx` and reads the cursor: 'busy' when another writer holds it.
 * PostgreSQL: the cursor row `FOR UPDATE SKIP LOCKED`; SQLite: the write transaction is the lock.
 * On PostgreSQL the round's statements are then planned afresh and through indexes only (this
 * transaction only; PLAN_BY_INDEXES).
 */
export async function lockNoticeCursor(trx: Trx, dialect: Dialect): Promise<NoticeCursor | 'busy'> {
  let query = trx.selectFrom('notice_cursor').select('position').where('id', '=', 1);
  if (dialect === 'postgres') query = query.forUpdate().skipLocked();
  const row = await query.executeTakeFirst();
  if (!row) {
    if (dialect === 'postgres') return 'busy';
    throw new Error('notice_cursor has no row (migration 020)');
  }
  if (dialect === 'postgres') await sql.raw(PLAN_BY_INDEXES).execute(trx);
  return { position: BigInt(row.position) };
}

/** The last position of the next `limit` chain rows after `after`, or null when none is sealed yet. */
export async function windowEnd(trx: Trx, after: bigint, limit: number): Promise<bigint | null> {
  const row = await windowEndQuery.first(trx, { after, limit: BigInt(limit) });
  return row?.last === null || row?.last === undefined ? null : BigInt(row.last);
}

const windowEndQuery = preparedQuery<{ after: bigint; limit: bigint }, { last: bigint | null }>((db, p) => {
  const query = sql<{ last: bigint | null }>`select max(position) as last
      from (select position from ledger_chain where position > ${p('after')} order by position limit ${p('limit')}) w`;
  return { compile: () => query.compile(db) };
});

type MovementRow = {
  type: string;
  reversal_of: string | null;
  actor_user_id: string | null;
  created_at: bigint;
  amount: bigint;
  currency: string;
  payer_user: string | null;
  payer_name: string | null;
  payee_user: string | null;
  payee_name: string | null;
  threshold: bigint | null;
};

// Two-entry movements only: every type that can notify (NOTIFYING_TYPES) is a transfer journal. A
// transaction whose version wrote its notices itself (notices_after_commit 0, migration 020) is left out.
const movementsQuery = preparedQuery<{ after: bigint; last: bigint }, MovementRow>((db, p) => {
  // The window first, materialised: it drives the joins, each a lookup by key. Left to choose, the
  // planner (stale statistics: every row it had seen had notices_after_commit 0) walked all of
  // ledger_transactions and probed the chain for each, a round growing with the ledger.
  const query = sql<MovementRow>`with window_positions as materialized (
      select position, transaction_seq from ledger_chain where position > ${p('after')} and position <= ${p('last')})
    select t.type, t.reversal_of, t.actor_user_id, t.created_at, cr.amount, pa.currency,
      pa.user_id as payer_user, pu.username as payer_name, ca.user_id as payee_user, cu.username as payee_name,
      s.sent_threshold_minor as threshold
    from window_positions c
    join ledger_transactions t on t.seq = c.transaction_seq
    join entries d on d.transaction_seq = t.seq and d.amount < 0
    join entries cr on cr.transaction_seq = t.seq and cr.amount > 0
    join accounts pa on pa.id = d.account_id
    left join users pu on pu.id = pa.user_id
    join accounts ca on ca.id = cr.account_id
    left join users cu on cu.id = ca.user_id
    left join notification_settings s on s.user_id = pa.user_id
    where t.notices_after_commit = 1
      and t.type in (${sql.join(NOTIFYING_TYPES.map((type) => sql.lit(type)))})
    order by c.position`;
  return { compile: () => query.compile(db) };
});

/** The sealed movements at chain positions in (after, last] that leave their notices to the writer, in chain order. */
export async function sealedMovements(trx: Trx, window: { after: bigint; last: bigint }): Promise<SealedMovement[]> {
  const rows = await movementsQuery.rows(trx, window);
  return rows.map((r) => ({
    type: r.type,
    reversal: r.reversal_of !== null,
    actorUserId: r.actor_user_id,
    amountMinor: BigInt(r.amount),
    currency: r.currency,
    createdAtMs: BigInt(r.created_at),
    payer: { userId: r.payer_user, username: r.payer_name },
    payee: { userId: r.payee_user, username: r.payee_name },
    payerSentThresholdMinor: r.threshold === null ? null : BigInt(r.threshold),
  }));
}

// One statement of fixed text for a whole round: the notices cross as one JSON array of
// [id, user_id, kind, text, created_at] (integers as decimal strings), inserted in array order.
const insertNoticesQuery = preparedQuery<{ notices: string }>((db, p) => {
  const query =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql`insert into notifications (id, user_id, kind, text, created_at)
        select n.v->>0, n.v->>1, n.v->>2, n.v->>3, (n.v->>4)::int8
        from json_array_elements(cast(${p('notices')} as json)) with ordinality as n(v, i) order by n.i`
      : sql`insert into notifications (id, user_id, kind, text, created_at)
        select json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
          cast(json_extract(value, '$[4]') as integer)
        from json_each(${p('notices')}) order by key`;
  return { compile: () => query.compile(db) };
});

/** Writes `notices` (with their ids) in one statement, in order. */
export async function insertMovementNoticeBatch(trx: Trx, notices: ReadonlyArray<MovementNotice & { id: string }>): Promise<void> {
  if (notices.length === 0) return;
  const json = JSON.stringify(notices.map((n) => [n.id, n.userId, n.kind, n.text, String(n.createdAtMs)]));
  await insertNoticesQuery.changed(trx, { notices: json });
}

/** Moves the cursor to `position` (inside the round's transaction). */
export async function advanceNoticeCursor(trx: Trx, position: bigint): Promise<void> {
  await trx.updateTable('notice_cursor').set({ position }).where('id', '=', 1).execute();
}
