/**
 * The database as Kysely sees it. Columns are snake_case; repositories convert to camelCase.
 * Every integer column is a bigint on both dialects (better-sqlite3 in safe-integer mode, pg with
 * int8 parsed by BigInt), so money and times never pass through a float. Times are Unix epoch
 * milliseconds.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

export interface UsersTable {
  id: string;
  /** Stored lower-case, so the unique index makes usernames unique case-insensitively. */
  username: string;
  password_hash: string;
  created_at: bigint;
  /** Bumped by every password change (migration 004); credentials of an older generation are dead. */
  password_generation: Generated<bigint>;
  /** The pages' time zone, an IANA name (migration 006); null until chosen or told by the browser. */
  time_zone: Generated<string | null>;
}

export interface AccountsTable {
  id: string;
  number: string;
  /** Null for the bank's own system accounts. */
  user_id: string | null;
  kind: 'user' | 'system';
  currency: string;
  /** Cached sum of this account's entries, updated in the same transaction as they are written. */
  balance: bigint;
  status: 'active' | 'frozen';
  created_at: bigint;
}

export interface LedgerTransactionsTable {
  /** Internal order of commit; the public id is `id`. */
  seq: Generated<bigint>;
  id: string;
  type: 'deposit' | 'withdrawal' | 'transfer';
  memo: string | null;
  actor_user_id: string | null;
  created_at: bigint;
  /** The API token (jti) that made this movement, if it came through the API (migration 003). */
  actor_token_id?: string | null;
  /** The web session (its public handle) that made this movement, if it came from a page (migration 003). */
  actor_session_id?: string | null;
  /** PostgreSQL only (migration 012): the writing transaction's id (xid8, as text), for the chain sealer. */
  commit_xid?: string | null;
}

/** The hash chain over the ledger (migration 012, docs/ledger.md "The chain"): one row per sealed transaction. */
export interface LedgerChainTable {
  /** The transaction's place in the one global order: 1, 2, 3... */
  position: bigint;
  transaction_seq: bigint;
  transaction_id: string;
  /** Version of the canonical encoding hashed (1 today). */
  encoding: number;
  /** Lower-case hex SHA-256 of the encoding, which includes the previous position's hash. */
  hash: string;
  sealed_at: bigint;
  /** PostgreSQL: pg_snapshot_xmin when sealed (as a bigint); null on SQLite. */
  horizon: bigint | null;
}

export interface EntriesTable {
  seq: Generated<bigint>;
  transaction_seq: bigint;
  account_id: string;
  /** Signed: positive credits the account, negative debits it. */
  amount: bigint;
  balance_after: bigint;
  created_at: bigint;
}

export interface ApiTokensTable {
  jti: string;
  user_id: string;
  created_at: bigint;
  expires_at: bigint;
  revoked_at: bigint | null;
  /** The user's password generation the token was issued against (migration 004). */
  password_generation: Generated<bigint>;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  /** Null while the first request is still running. */
  response_status: number | null;
  response_body: string | null;
  created_at: bigint;
}

/** A signed-in browser (web pages). Only the SHA-256 of the cookie's random id is stored. */
export interface SessionsTable {
  id_hash: string;
  /** A separate random id shown to the user to name this session (revoke buttons). */
  handle: string;
  user_id: string;
  created_at: bigint;
  last_seen_at: bigint;
  /** Absolute end of the session, whatever the activity. */
  expires_at: bigint;
  user_agent: string;
  ip: string;
  /** The user's password generation the session was started against (migration 004). */
  password_generation: Generated<bigint>;
}

/** The audit trail (migration 003): who did what, when, from where. Never holds a secret. */
export interface SecurityEventsTable {
  seq: Generated<bigint>;
  /** Null when the event cannot be tied to a user (an unknown username, an anonymous client). */
  user_id: string | null;
  type: string;
  ip: string | null;
  user_agent: string | null;
  /** A small JSON object with event-specific facts; bounded in size. */
  details: string | null;
  created_at: bigint;
  /** How many events this row stands for: 1, or more for an aggregated anonymous row (migration 005). */
  occurrences: Generated<bigint>;
  /** `type|ip|window start` of an aggregated anonymous row; null for an event with a user. */
  aggregate_key: string | null;
}

export interface Database {
  users: UsersTable;
  accounts: AccountsTable;
  ledger_transactions: LedgerTransactionsTable;
  entries: EntriesTable;
  api_tokens: ApiTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  security_events: SecurityEventsTable;
  sessions: SessionsTable;
  ledger_chain: LedgerChainTable;
}

export type UserRow = Selectable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
