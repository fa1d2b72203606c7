/**
 * Helpers for the operators' tests (issue 15): staff members made the way an operator makes them
 * (the role granted as on the command line, a second factor enrolled through the API) and signed in
 * to the console through the pages. Not a test file.
 */
import assert from 'node:assert/strict';
import { changeRole } from '../../src/app/manage-roles.js';
import { Browser } from '../pages/browser.js';
import { PASSWORD, type Harness, type TestUser } from './harness.js';
import { codeAt, enrolTotp, type manualClock } from './second-factor.js';

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

/**
 * Signs a staff member in through /login and the second-factor page: moves `clock` one step and
 * uses that step's code (the enrolment used the one before).
 */
export async function staffBrowser(h: Harness, staff: StaffUser, clock: ReturnType<typeof manualClock>): Promise<Browser> {
  const browser = new Browser(h.app);
  await browser.get('/login');
  const first = await browser.post('/login', { username: staff.username, password: PASSWORD });
  assert.equal(first.location, '/login/second-factor');
  await browser.get('/login/second-factor');
  clock.advanceSteps(1);
  const done = await browser.post('/login/second-factor', { code: codeAt(staff.secret, clock) });
  assert.equal(done.status, 303, done.body.slice(0, 300));
  return browser;
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
