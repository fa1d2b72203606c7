/**
 * The database as Kysely sees it. Columns are snake_case; repositories convert to camelCase.
 * Every integer column is a bigint on both dialects (better-sqlite3 in safe-integer mode, pg with
 * int8 parsed by BigInt), so money and times never pass through a float. Times are Unix epoch
 * milliseconds.
 */
import type { Generated, Insertable, Selectable } from 'kysely';
import type { NotificationSettingsTable, NotificationsTable, OutboxTable, UserEmailsTable } from './schema-outbox.js';

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
  /** Sum of this account's pending holds as payer (migration 010); available = balance - held. */
  held: Generated<bigint>;
  /** 1..40 characters; "Main" for accounts opened before migration 009. */
  name: Generated<string>;
  /** When the owner closed it (epoch ms), or null while open (migration 009: status `closed` is derived from it). */
  closed_at: Generated<bigint | null>;
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
  /** The transaction this one reverses (migration 016); its public type is then "reversal". */
  reversal_of?: string | null;
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

/** A hold, a two-phase transfer (migration 010): reserved on the payer's `held`, entries only at capture. */
export interface HoldsTable {
  id: string;
  from_account_id: string;
  to_account_id: string;
  amount: bigint;
  captured_amount: Generated<bigint>;
  currency: string;
  status: Generated<'pending' | 'captured' | 'voided' | 'expired'>;
  memo: string | null;
  /** Epoch ms; after it a pending hold reads `expired` and the sweeper settles it. */
  expires_at: bigint;
  created_at: bigint;
  resolved_at: bigint | null;
  /** The capture's ledger transaction, once captured. */
  transaction_id: string | null;
  actor_user_id: string | null;
}

/** A user's TOTP secrets, sealed (migration 007): the active one and one awaiting its first code. */
export interface TotpCredentialsTable {
  user_id: string;
  secret_sealed: string | null;
  enabled_at: bigint | null;
  pending_sealed: string | null;
  pending_at: bigint | null;
  /** The last TOTP time step accepted for this user (0: none); only a greater one is accepted. */
  last_step: Generated<bigint>;
}

/** SHA-256 of each single-use recovery code (migration 007). */
export interface RecoveryCodesTable {
  code_hash: string;
  user_id: string;
  created_at: bigint;
  used_at: bigint | null;
}

/** A browser past the password that still owes its second factor (migration 007); SHA-256 of its cookie. */
export interface PendingSignInsTable {
  id_hash: string;
  user_id: string;
  password_generation: bigint;
  throttle_key: string;
  next_path: string | null;
  failures: Generated<number>;
  created_at: bigint;
  expires_at: bigint;
}

/** A payment request (migration 011): asks `payer_user_id` to pay into `to_account_id`; moves nothing until paid. */
export interface PaymentRequestsTable {
  /** Internal order, for keyset pagination; never shown. */
  seq: Generated<bigint>;
  id: string;
  requester_user_id: string;
  to_account_id: string;
  payer_user_id: string;
  /** Minor units of `currency` (the requester's account's), > 0. */
  amount: bigint;
  currency: string;
  memo: string | null;
  /** `expired` is never stored: a pending row past `expires_at` reads expired. */
  status: Generated<'pending' | 'paid' | 'declined' | 'cancelled'>;
  /** Epoch ms. */
  expires_at: bigint;
  created_at: bigint;
  resolved_at: bigint | null;
  /** The paying transfer's ledger transaction, once paid. */
  transaction_id: string | null;
}

/** A registered passkey, a WebAuthn credential (migration 008). */
export interface PasskeysTable {
  /** The credential id, base64url; how an assertion names its key. */
  id: string;
  user_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  /** The authenticator's last signature counter (0: it keeps none). */
  counter: Generated<bigint>;
  /** Comma-separated transport hints ('internal,hybrid'), '' when unknown. */
  transports: Generated<string>;
  /** 'singleDevice' or 'multiDevice' (the BE flag). */
  device_type: string;
  /** 1 when the credential is backed up (the BS flag), else 0. */
  backed_up: Generated<bigint>;
  name: string;
  created_at: bigint;
  last_used_at: bigint | null;
}

/** A single-use WebAuthn challenge (migration 008), keyed by the SHA-256 of its browser's cookie. */
export interface WebauthnChallengesTable {
  id_hash: string;
  /** base64url. */
  challenge: string;
  purpose: string;
  /** The user it was issued to (registration, step-up); null for a sign-in. */
  user_id: string | null;
  created_at: bigint;
  expires_at: bigint;
}

/** A staff role held by a user (migration 015); every user is a customer without a row. */
export interface UserRolesTable {
  user_id: string;
  role: 'support' | 'admin';
  granted_at: bigint;
  /** The admin who granted it, or null when granted on the command line. */
  granted_by: string | null;
}

/** Why and when staff froze an account (migration 015): one row while it is frozen. */
export interface AccountFreezesTable {
  account_id: string;
  /** The staff member's reason, shown to the owner. */
  reason: string;
  frozen_at: bigint;
}

/** A reversal waiting for a second admin (migration 016): amount in minor units; `expired` stored only when replaced. */
export interface ReversalApprovalsTable {
  id: string;
  transaction_id: string;
  amount: bigint;
  currency: string;
  reason: string;
  maker_user_id: string;
  status: 'pending' | 'approved' | 'expired';
  created_at: bigint;
  expires_at: bigint;
  checker_user_id: string | null;
  decided_at: bigint | null;
  reversal_id: string | null;
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
  totp_credentials: TotpCredentialsTable;
  recovery_codes: RecoveryCodesTable;
  pending_sign_ins: PendingSignInsTable;
  holds: HoldsTable;
  payment_requests: PaymentRequestsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  ledger_chain: LedgerChainTable;
  user_roles: UserRolesTable;
  account_freezes: AccountFreezesTable;
  outbox: OutboxTable;
  notifications: NotificationsTable;
  user_emails: UserEmailsTable;
  notification_settings: NotificationSettingsTable;
  reversal_approvals: ReversalApprovalsTable;
}

export type UserRow = Selectable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type PaymentRequestRow = Selectable<PaymentRequestsTable>;
