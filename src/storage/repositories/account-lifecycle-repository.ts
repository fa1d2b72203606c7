/**
 * Opening, renaming and closing a user's accounts (issue 14 item 1): the locks and the one
 * conditional close. Reads of accounts are in account-repository.ts.
 *
 * Races. On SQLite every write transaction holds the database's only write lock (`BEGIN IMMEDIATE`),
 * so a count followed by an insert cannot interleave with another. On PostgreSQL (READ COMMITTED)
 * two transactions could both count four open accounts and both insert a fifth, or both see two
 * open accounts and close one each; so every open and close first locks the owner's `users` row
 * (`lockOwnerForAccountChange`): the changes to one user's set of accounts queue one behind another.
 * A close also locks the account row itself before deciding, so a movement that holds it finishes
 * first and the close then decides, in a new statement (a fresh snapshot), on what was committed.
 * Movements lock account rows only and read `closed_at` on their locked rows (movement-rules.ts),
 * so a movement that queued behind a close sees it and is refused with `account_closed`.
 */
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { AccountRow, Database } from '../schema.js';
import { literal } from '../sql-literal.js';
import type { Db, Dialect, Trx } from '../storage.js';

/**
 * Locks what changing `userId`'s set of accounts depends on: their `users` row, and `accountId`'s
 * row when one account is about to change. No-op on SQLite, whose write transaction already holds
 * the only write lock.
 */
export async function lockOwnerForAccountChange(trx: Trx, dialect: Dialect, userId: string, accountId?: string): Promise<void> {
  if (dialect !== 'postgres') return;
  // NO KEY UPDATE: queues the user's own changes one behind another, but not the foreign-key checks
  // (KEY SHARE) of a payment's rows naming this user, which otherwise deadlock with it (PostgreSQL).
  await trx.selectFrom('users').select('id').where('id', '=', userId).forNoKeyUpdate().execute();
  if (accountId !== undefined) await trx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().execute();
}

/** How many of the user's accounts are not closed (MAX_ACCOUNTS_PER_USER counts these). */
export async function countOpenAccounts(db: Db | Trx, userId: string): Promise<number> {
  const row = await db
    .selectFrom('accounts')
    .select((eb) => eb.fn.countAll<string | number | bigint>().as('n'))
    .where('user_id', '=', userId)
    .where('closed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Renames the user's account; undefined when no account of theirs has that id. */
export async function renameUserAccount(db: Db | Trx, userId: string, accountId: string, name: string): Promise<AccountRow | undefined> {
  return db
    .updateTable('accounts')
    .set({ name })
    .where('id', '=', accountId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'user')
    .returningAll()
    .executeTakeFirst();
}

/** `nowMs`: the close's time (epoch ms), for conditions that depend on it (a request past its expiry no longer counts). */
type AccountCondition = (eb: ExpressionBuilder<Database, 'accounts'>, nowMs: bigint) => Expression<SqlBool>;

/**
 * What must hold of an account, on its newest committed row, for it to be closed: the one place
 * that says "empty". Each condition is a boolean SQL expression over the `accounts` row being closed.
 *
 * TO EXTEND (holds and payment-requests engineers, issue 14 items 2 and 3): add your condition here,
 * e.g. `(eb) => eb('held', '=', 0n)` and `(eb) => eb.not(eb.exists(eb.selectFrom('holds')
 * .select('id').whereRef('holds.to_account_id', '=', 'accounts.id').where('holds.status', '=',
 * 'pending')))`; a pending request into the account likewise. A refused close is reported as
 * `account_not_empty` whichever condition failed. For a race-free close your writers must lock the
 * account row (FOR UPDATE, as movements do) before checking `closed_at` themselves.
 */
export const CLOSE_REQUIRES: readonly AccountCondition[] = [
  (eb) => eb('balance', '=', 0n),
  // Holds (issue 14 item 2): nothing reserved as payer (held is the sum of its pending holds), and no pending hold paying into it.
  (eb) => eb('held', '=', 0n),
  (eb) =>
    eb.not(
      eb.exists(eb.selectFrom('holds').select('holds.id').whereRef('holds.to_account_id', '=', 'accounts.id').where('holds.status', '=', literal('pending'))),
    ),
  // Payment requests (issue 14 item 3): no request into it still waiting to be paid (one past its expiry reads expired and does not count).
  (eb, nowMs) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('payment_requests')
          .select('payment_requests.id')
          .whereRef('payment_requests.to_account_id', '=', 'accounts.id')
          .where('payment_requests.status', '=', literal('pending'))
          .where('payment_requests.expires_at', '>', nowMs),
      ),
    ),
];

/**
 * Closes the account in one conditional statement: only if it is the user's, open, `active` (a
 * frozen account stays as operators left it) and every CLOSE_REQUIRES condition holds. Returns the
 * closed row, or undefined when any condition failed (nothing written; the caller names why).
 * Call lockOwnerForAccountChange first.
 */
export async function closeUserAccountIfEmpty(trx: Trx, userId: string, accountId: string, closedAtMs: bigint): Promise<AccountRow | undefined> {
  return trx
    .updateTable('accounts')
    .set({ closed_at: closedAtMs })
    .where('id', '=', accountId)
    .where('user_id', '=', userId)
    .where('kind', '=', 'user')
    .where('closed_at', 'is', null)
    .where('status', '=', 'active')
    .where((eb) => eb.and(CLOSE_REQUIRES.map((condition) => condition(eb, closedAtMs))))
    .returningAll()
    .executeTakeFirst();
}
