/**
 * The database as Kysely sees it. Columns are snake_case; repositories convert to camelCase.
 * Every integer column is a bigint on both dialects (better-sqlite3 in safe-integer mode, pg with
 * int8 parsed by BigInt), so money and times never pass through a float. Times are Unix epoch
 * milliseconds.
 *
 * The tables themselves are in ./tables/ by area (and ./schema-outbox.ts); this file names them all.
 */
import type { Insertable, Selectable } from 'kysely';
import type { NoticeCursorTable, NotificationSettingsTable, NotificationsTable, OutboxTable, UserEmailsTable } from './schema-outbox.js';
import type {
  AccountsTable,
  LedgerTransactionsTable,
  LedgerChainTable,
  EntriesTable,
  HoldsTable,
  PaymentRequestsTable,
  ReversalApprovalsTable,
  AccountFreezesTable,
} from './tables/ledger.js';
import type {
  UsersTable,
  ApiTokensTable,
  IdempotencyKeysTable,
  SessionsTable,
  SecurityEventsTable,
  UserRolesTable,
  PasswordResetsTable,
} from './tables/identity.js';
import type { TotpCredentialsTable, RecoveryCodesTable, PendingSignInsTable, PasskeysTable, WebauthnChallengesTable } from './tables/second-factor.js';

export type * from './tables/ledger.js';
export type * from './tables/identity.js';
export type * from './tables/second-factor.js';

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
  notice_cursor: NoticeCursorTable;
  reversal_approvals: ReversalApprovalsTable;
  password_resets: PasswordResetsTable;
}

export type UserRow = Selectable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type PaymentRequestRow = Selectable<PaymentRequestsTable>;
