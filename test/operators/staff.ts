/**
 * Helpers for the operators' tests (issue 15): staff members made the way an operator makes them
 * (the role granted as on the command line, a second factor enrolled through the API). Not a test file.
 */
import { changeRole } from '../../src/app/manage-roles.js';
import type { Harness, TestUser } from '../helpers/harness.js';
import { enrolTotp } from '../helpers/second-factor.js';

export interface StaffUser extends TestUser {
  secret: string;
}

/** Grants `role` as `minibank admin grant` does (no admin behind it). */
export async function grant(h: Harness, username: string, role: string): Promise<void> {
  await changeRole(h.app.ctx, { username, role, by: null }, true);
}

/** Revokes `role` as `minibank admin revoke` does. */
export async function revoke(h: Harness, username: string, role: string): Promise<void> {
  await changeRole(h.app.ctx, { username, role, by: null }, false);
}

/** A user with `role` and TOTP on (enrolled through the API with the clock's current code). */
export async function staffUser(h: Harness, username: string, role: 'support' | 'admin', clock: { nowMs(): number }): Promise<StaffUser> {
  const user = await h.user(username);
  const { secret } = await enrolTotp(h, user, clock);
  await grant(h, username, role);
  return { ...user, secret };
}

/** Everything a refused staff request must leave as it was: money, statuses, roles, sessions, tokens. */
export async function operatorSnapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const parts = await Promise.all([
    db.selectFrom('accounts').select(['id', 'balance', 'status']).orderBy('id').execute(),
    db.selectFrom('account_freezes').selectAll().orderBy('account_id').execute(),
    db.selectFrom('user_roles').select(['user_id', 'role']).orderBy('user_id').orderBy('role').execute(),
    db.selectFrom('sessions').select('id_hash').orderBy('id_hash').execute(),
    db.selectFrom('api_tokens').select(['jti', 'revoked_at']).orderBy('jti').execute(),
    db
      .selectFrom('entries')
      .select((eb) => eb.fn.countAll().as('n'))
      .execute(),
  ]);
  return JSON.stringify(parts, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
