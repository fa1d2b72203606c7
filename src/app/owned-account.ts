import { DomainError } from '../domain/errors.js';
import { findAccountById, type Account } from '../storage/repositories/account-repository.js';
import type { Db, Trx } from '../storage/storage.js';

/**
 * Ids are ours (UUIDs, printable ASCII). Anything else cannot match, and is not even sent to the
 * database: PostgreSQL fails a query whose text holds a NUL byte, which would surface as a 500.
 */
export function isPlausibleId(id: string): boolean {
  return id.length <= 64 && /^[\x21-\x7e]+$/.test(id);
}

/** An account already known to belong to the user asking: its id and currency are all a listing needs. */
export interface OwnedAccount {
  id: string;
  currency: string;
}

/**
 * The account, if it belongs to this user. Someone else's account and a missing one give the same
 * `not_found`, so account ids cannot be probed.
 */
export async function findOwnedAccount(db: Db | Trx, userId: string, accountId: string, param = 'account_id'): Promise<Account> {
  return ownedOrNotFound(isPlausibleId(accountId) ? await findAccountById(db, accountId) : undefined, userId, param);
}

/** The account found by id, if it is this user's (findOwnedAccount's rule, for a lookup made elsewhere). */
export function ownedOrNotFound<A extends Account>(account: A | undefined, userId: string, param: string): A {
  if (!account || account.kind !== 'user' || account.user_id !== userId) {
    throw new DomainError('not_found', 'No such account.', param);
  }
  return account;
}
