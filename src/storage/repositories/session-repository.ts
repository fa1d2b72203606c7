/**
 * Web sessions. Every lookup is by the SHA-256 of the cookie value (`id_hash`) or, for the settings
 * page, by the user-visible `handle` scoped to the owner, so one user can never touch another's rows.
 */
import type { Insertable } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { SessionRow, SessionsTable } from '../schema.js';
import type { Db, Trx } from '../storage.js';

export interface SessionWithUser extends SessionRow {
  username: string;
}

/** `row.password_generation`: the user's password generation the sign-in was checked against (issue 11 class 1). */
export async function insertSession(db: Db | Trx, row: Insertable<SessionsTable> & { password_generation: bigint }): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

// Read on every page view, and written at most every few seconds: prepared once (prepared-query.ts).
const sessionWithUser = preparedQuery<{ idHash: string }, SessionWithUser>((db, p) =>
  db.selectFrom('sessions as s').innerJoin('users as u', 'u.id', 's.user_id').selectAll('s')
    .select('u.username as username')
    .where('s.id_hash', '=', p('idHash'))
    // Started against an older password: dead (issue 11 class 1), decided by the same read.
    .whereRef('s.password_generation', '=', 'u.password_generation'),
);
const touch = preparedQuery<{ idHash: string; nowMs: bigint }>((db, p) => db.updateTable('sessions').set({ last_seen_at: p('nowMs') }).where('id_hash', '=', p('idHash')));

export async function findSessionWithUser(db: Db | Trx, idHash: string): Promise<SessionWithUser | undefined> {
  return sessionWithUser.first(db, { idHash });
}

export async function touchSession(db: Db | Trx, idHash: string, nowMs: bigint): Promise<void> {
  await touch.changed(db, { idHash, nowMs });
}

/** A user's sessions, newest first. */
export async function listSessionsOfUser(db: Db | Trx, userId: string): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('handle').execute();
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

/** Sessions past their absolute end or idle for longer than `idleMs`; housekeeping only. */
export async function deleteExpiredSessions(db: Db | Trx, nowMs: bigint, idleMs: bigint, userId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where((eb) => eb.or([eb('expires_at', '<=', nowMs), eb('last_seen_at', '<=', nowMs - idleMs)]));
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  await query.execute();
}

/** Keeps at most `keep` of the user's newest sessions (a limit on everything, sessions too). */
export async function trimSessionsOfUser(db: Db | Trx, userId: string, keep: number): Promise<void> {
  const rows = await db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id_hash').offset(keep).limit(1000).execute();
  if (rows.length === 0) return;
  await db.deleteFrom('sessions').where('id_hash', 'in', rows.map((r) => r.id_hash)).execute();
}
