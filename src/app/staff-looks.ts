/**
 * What staff may look at (issue 15 item 2; contract "Operators"): find customers by username prefix
 * or account number, and see a customer, an account, its history and the customer's security
 * timeline. Every look is a `staff_looked` event naming the staff member, what was looked at and
 * the target, with the optional reason (a look needs none: the audit says who looked at what).
 * Looks are never shown to the customer.
 */
import { parseAccountNumber } from '../domain/account-number.js';
import { DomainError } from '../domain/errors.js';
import { shownRoles, type Role, type StaffRole } from '../domain/roles.js';
import { findAccountById, findAccountByNumber, findAccountsByUser, type Account } from '../storage/repositories/account-repository.js';
import { listStaffMembers, rolesOfUsers } from '../storage/repositories/role-repository.js';
import { findFoundUser, findFreezes, findUsersByPrefix } from '../storage/repositories/staff-repository.js';
import type { AppContext } from './context.js';
import { listOwnedAccountTransactions, type TransactionPage, type TransactionQuery } from './list-transactions.js';
import { isPlausibleId } from './owned-account.js';
import type { ClientInfo } from './security-events.js';
import { recordStaffAction } from './staff-audit.js';
import type { StaffMember } from './staff-access.js';
import { accountView, userView, type AccountView, type UserView } from './views.js';

/** Most customers one search returns. */
export const SEARCH_LIMIT = 20;

/** The staff member looking, from where, and why (optional for a look). */
export interface Looker {
  staff: StaffMember;
  client: ClientInfo;
  reason: string | null;
}

export interface CustomerCard {
  user: UserView;
  roles: Role[];
  accounts: StaffAccountView[];
}

/** An account as its owner sees it, plus why staff froze it (null when not frozen). */
export interface StaffAccountView extends AccountView {
  ownerUserId: string;
  frozenReason: string | null;
}

/**
 * Customers matching `q`: a valid account number finds its owner; otherwise `q` is a username
 * prefix (case-insensitive). At most SEARCH_LIMIT, with `hasMore`.
 * @throws DomainError invalid_request (param q) when q is empty or longer than 64 characters.
 */
export async function searchCustomers(ctx: AppContext, looker: Looker, q: string): Promise<{ data: CustomerCard[]; hasMore: boolean }> {
  const text = q.trim();
  if (text === '' || text.length > 64) throw new DomainError('invalid_request', 'Search by a username (or its start) or an account number.', 'q');
  await recordStaffAction(ctx, looker.staff, looker.client, 'staff_looked', { what: 'search', q: text, reason: looker.reason });
  const db = ctx.storage.db;
  const number = parseAccountNumber(text);
  const byNumber = number ? await findAccountByNumber(db, number) : undefined;
  let users;
  if (byNumber) users = byNumber.user_id ? [await findFoundUser(db, byNumber.user_id)].filter((u) => u !== undefined) : [];
  else users = await findUsersByPrefix(db, text.toLowerCase(), SEARCH_LIMIT + 1);
  const page = users.slice(0, SEARCH_LIMIT);
  return { data: await customerCards(ctx, page), hasMore: users.length > SEARCH_LIMIT };
}

async function customerCards(ctx: AppContext, users: { id: string; username: string; created_at: bigint }[]): Promise<CustomerCard[]> {
  const roles = await rolesOfUsers(
    ctx.storage.db,
    users.map((u) => u.id),
  );
  const cards: CustomerCard[] = [];
  for (const user of users) {
    const accounts = await staffAccountViews(ctx, await findAccountsByUser(ctx.storage.db, user.id));
    cards.push({ user: userView(user), roles: shownRoles(roles.get(user.id) ?? []), accounts });
  }
  return cards;
}

/** Accounts with their freeze reasons. */
export async function staffAccountViews(ctx: AppContext, accounts: Account[]): Promise<StaffAccountView[]> {
  const freezes = await findFreezes(
    ctx.storage.db,
    accounts.filter((a) => a.status === 'frozen').map((a) => a.id),
  );
  return accounts.map((a) => ({ ...accountView(a), ownerUserId: a.user_id ?? '', frozenReason: freezes.get(a.id)?.reason ?? null }));
}

/** A customer account by id (never a system account). @throws DomainError not_found. */
export async function findCustomerAccount(ctx: AppContext, accountId: string, param = 'account_id'): Promise<Account> {
  const account = isPlausibleId(accountId) ? await findAccountById(ctx.storage.db, accountId) : undefined;
  if (!account || account.kind !== 'user' || !account.user_id) throw new DomainError('not_found', 'No such account.', param);
  return account;
}

/** One customer account, recorded as a look. @throws DomainError not_found. */
export async function lookAtAccount(ctx: AppContext, looker: Looker, accountId: string): Promise<StaffAccountView> {
  const account = await findCustomerAccount(ctx, accountId);
  await recordStaffAction(ctx, looker.staff, looker.client, 'staff_looked', {
    what: 'account',
    account: account.number,
    user: account.user_id,
    reason: looker.reason,
  });
  const [view] = await staffAccountViews(ctx, [account]);
  return view!;
}

/** One page of a customer account's history (the owner's own paging rules), recorded as a look. */
export async function lookAtHistory(ctx: AppContext, looker: Looker, query: TransactionQuery): Promise<TransactionPage> {
  const account = await findCustomerAccount(ctx, query.accountId);
  await recordStaffAction(ctx, looker.staff, looker.client, 'staff_looked', {
    what: 'history',
    account: account.number,
    user: account.user_id,
    reason: looker.reason,
  });
  return listOwnedAccountTransactions(ctx, account, query);
}

/** A customer with roles and accounts, recorded as a look. @throws DomainError not_found (param user_id). */
export async function lookAtCustomer(ctx: AppContext, looker: Looker, userId: string): Promise<CustomerCard> {
  const user = isPlausibleId(userId) ? await findFoundUser(ctx.storage.db, userId) : undefined;
  if (!user) throw new DomainError('not_found', 'No such user.', 'user_id');
  await recordStaffAction(ctx, looker.staff, looker.client, 'staff_looked', { what: 'user', user: user.id, reason: looker.reason });
  const [card] = await customerCards(ctx, [user]);
  return card!;
}

/** Everyone holding a staff role, by username (the console's roles page; admins only). */
export async function listStaff(ctx: AppContext): Promise<{ userId: string; username: string; roles: StaffRole[] }[]> {
  return listStaffMembers(ctx.storage.db);
}
