/**
 * Web sessions. Every lookup is by the SHA-256 of the cookie value (`id_hash`) or, for the settings
 * page, by the user-visible `handle` scoped to the owner, so one user can never touch another's rows.
 */
import { sql, type Expression, type Insertable, type SqlBool } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { SessionRow, SessionsTable } from '../schema.js';
import type { Db, Trx } from '../storage.js';

export interface SessionWithUser extends SessionRow {
  username: string;
  /** The user's stored time zone (null: none yet); read here so a page needs no query of its own. */
  time_zone: string | null;
  /** The user's unread notices, counted up to UNREAD_NOTICES_CAP: the bell in every page's navigation (issue 18). */
  unread_notices: number | bigint;
}

/** The bell counts at most this many unread notices ("99+" beyond), so the count stays cheap. */
export const UNREAD_NOTICES_CAP = 100;

/** `row.password_generation`: the user's password generation the sign-in was checked against (issue 11 class 1). */
export async function insertSession(db: Db | Trx, row: Insertable<SessionsTable> & { password_generation: bigint }): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/** When a session is live by time (the rule and its numbers: src/app/session-liveness.ts). */
export interface SessionCutoff {
  /** Live while `expires_at` is after this (ms). */
  nowMs: bigint;
  /** Live while `last_seen_at` is after this (ms): now minus the idle timeout. */
  lastSeenAfterMs: bigint;
}

/**
 * The session liveness rule as SQL, written once: `s` (sessions) joined with `u` (its user) is live
 * when before its absolute end, seen after the idle cutoff, and of the user's current password
 * generation (issue 11 class 1). Every query below that reads, lists, counts or sweeps uses it.
 */
function liveSession(cutoff: { nowMs: unknown; lastSeenAfterMs: unknown }): Expression<SqlBool> {
  return sql<SqlBool>`(s.expires_at > ${cutoff.nowMs} and s.last_seen_at > ${cutoff.lastSeenAfterMs} and s.password_generation = u.password_generation)`;
}

// Read on every page view, and written at most every few seconds: prepared once (prepared-query.ts).
const sessionWithUser = preparedQuery<{ idHash: string } & SessionCutoff, SessionWithUser>((db, p) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('s')
    .select(['u.username as username', 'u.time_zone as time_zone'])
    // The bell's count rides on the read every page makes anyway (no statement of its own): an
    // index-only count on the partial index notifications_unread, capped (migration 017).
    .select(
      sql<number>`(select count(*) from (select 1 from notifications n where n.user_id = s.user_id and n.read_at is null limit ${sql.lit(UNREAD_NOTICES_CAP)}) unread)`.as(
        'unread_notices',
      ),
    )
    .where('s.id_hash', '=', p('idHash'))
    .where(liveSession({ nowMs: p('nowMs'), lastSeenAfterMs: p('lastSeenAfterMs') })),
);
const touch = preparedQuery<{ idHash: string; nowMs: bigint }>((db, p) =>
  db
    .updateTable('sessions')
    .set({ last_seen_at: p('nowMs') })
    .where('id_hash', '=', p('idHash')),
);

/** The session with this id hash if it is live (liveSession), with its user's name. */
export async function findLiveSession(db: Db | Trx, idHash: string, cutoff: SessionCutoff): Promise<SessionWithUser | undefined> {
  return sessionWithUser.first(db, { idHash, ...cutoff });
}

export async function touchSession(db: Db | Trx, idHash: string, nowMs: bigint): Promise<void> {
  await touch.changed(db, { idHash, nowMs });
}

/** A user's live sessions (liveSession), newest first. */
export async function listLiveSessionsOfUser(db: Db | Trx, userId: string, cutoff: SessionCutoff): Promise<SessionRow[]> {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('s')
    .where('s.user_id', '=', userId)
    .where(liveSession(cutoff))
    .orderBy('s.created_at', 'desc')
    .orderBy('s.handle')
    .execute();
}

/** How many sessions are live (liveSession), all users (the metrics gauge). */
export async function countLiveSessions(db: Db | Trx, cutoff: SessionCutoff): Promise<number> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where(liveSession(cutoff))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function deleteSession(db: Db | Trx, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Deletes the user's session with this handle; returns false when there is none (or not theirs). */
export async function deleteSessionByHandle(db: Db | Trx, userId: string, handle: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('handle', '=', handle).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Carries the session making a password change over to the new password generation (it stays signed in). */
export async function moveSessionToGeneration(db: Db | Trx, idHash: string, generation: bigint): Promise<void> {
  await db.updateTable('sessions').set({ password_generation: generation }).where('id_hash', '=', idHash).execute();
}

/** Ends every session of the user except `keepIdHash` (the one making the request). */
export async function deleteOtherSessions(db: Db | Trx, userId: string, keepIdHash: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '<>', keepIdHash).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes sessions that are not live (liveSession), of one user or of all; housekeeping only. */
export async function deleteDeadSessions(db: Db | Trx, cutoff: SessionCutoff, userId?: string): Promise<void> {
  let dead = db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select('s.id_hash')
    .where(sql<SqlBool>`not ${liveSession(cutoff)}`);
  if (userId !== undefined) dead = dead.where('s.user_id', '=', userId);
  await db.deleteFrom('sessions').where('id_hash', 'in', dead).execute();
}

/** Keeps at most `keep` of the user's newest sessions (a limit on everything, sessions too). */
export async function trimSessionsOfUser(db: Db | Trx, userId: string, keep: number): Promise<void> {
  const rows = await db
    .selectFrom('sessions')
    .select('id_hash')
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id_hash')
    .offset(keep)
    .limit(1000)
    .execute();
  if (rows.length === 0) return;
  await db
    .deleteFrom('sessions')
    .where(
      'id_hash',
      'in',
      rows.map((r) => r.id_hash),
    )
    .execute();
}
