/**
 * Staff roles (migration 015). `staffAccessOf` is the one read a staff route makes per request:
 * the user's roles and whether any second factor is on, in one statement (primary-key and
 * user-keyed lookups only), so a grant, a revoke or a turned-off authenticator applies at once.
 */
import { sql } from 'kysely';
import type { StaffRole } from '../../domain/roles.js';
import type { Db, Trx } from '../storage.js';

export interface StaffAccessRow {
  roles: StaffRole[];
  /** TOTP on, or at least one passkey (the same facts as second-factor-status.ts reads). */
  secondFactor: boolean;
}

const truthy = (value: unknown): boolean => value === true || Number(value) > 0;

/** The user's staff roles and second-factor fact, in one query. */
export async function staffAccessOf(db: Db | Trx, userId: string): Promise<StaffAccessRow> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('user_roles').select(sql.lit(1).as('one')).where('user_id', '=', userId).where('role', '=', sql.lit('support'))).as('support'),
      eb.exists(eb.selectFrom('user_roles').select(sql.lit(1).as('one')).where('user_id', '=', userId).where('role', '=', sql.lit('admin'))).as('admin'),
      eb
        .or([
          eb.exists(eb.selectFrom('totp_credentials').select(sql.lit(1).as('one')).where('user_id', '=', userId).where('secret_sealed', 'is not', null)),
          eb.exists(eb.selectFrom('passkeys').select(sql.lit(1).as('one')).where('user_id', '=', userId)),
        ])
        .as('second_factor'),
    ])
    .executeTakeFirstOrThrow();
  const roles: StaffRole[] = [];
  if (truthy(row.support)) roles.push('support');
  if (truthy(row.admin)) roles.push('admin');
  return { roles, secondFactor: truthy(row.second_factor) };
}

/** The staff roles of each user in `userIds` (a user with none is absent). */
export async function rolesOfUsers(db: Db | Trx, userIds: readonly string[]): Promise<Map<string, StaffRole[]>> {
  const out = new Map<string, StaffRole[]>();
  if (userIds.length === 0) return out;
  const rows = await db.selectFrom('user_roles').select(['user_id', 'role']).where('user_id', 'in', userIds).orderBy('role').execute();
  for (const row of rows) out.set(row.user_id, [...(out.get(row.user_id) ?? []), row.role]);
  return out;
}

/** Grants `role`; false when the user already had it (nothing written). */
export async function insertRole(db: Db | Trx, userId: string, role: StaffRole, nowMs: bigint, grantedBy: string | null): Promise<boolean> {
  const result = await db
    .insertInto('user_roles')
    .values({ user_id: userId, role, granted_at: nowMs, granted_by: grantedBy })
    .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
    .executeTakeFirst();
  return BigInt(result.numInsertedOrUpdatedRows ?? 0) > 0n;
}

/** Revokes `role`; false when the user did not have it. */
export async function deleteRole(db: Db | Trx, userId: string, role: StaffRole): Promise<boolean> {
  const result = await db.deleteFrom('user_roles').where('user_id', '=', userId).where('role', '=', role).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Every user holding a staff role, by username, with their roles. */
export async function listStaffMembers(db: Db | Trx): Promise<{ userId: string; username: string; roles: StaffRole[] }[]> {
  const rows = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select(['users.id', 'users.username', 'user_roles.role'])
    .orderBy('users.username')
    .orderBy('user_roles.role')
    .execute();
  const out: { userId: string; username: string; roles: StaffRole[] }[] = [];
  for (const row of rows) {
    const last = out.at(-1);
    if (last?.userId === row.id) last.roles.push(row.role);
    else out.push({ userId: row.id, username: row.username, roles: [row.role] });
  }
  return out;
}
