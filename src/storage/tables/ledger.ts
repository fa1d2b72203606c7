/**
 * Accounts, the ledger (transactions, entries, the hash chain) and what waits to become ledger
 * movements or corrects them: holds, payment requests, reversal approvals, freezes.
 * Part of the database type (../schema.ts), which lists every table.
 */
import type { Generated } from 'kysely';

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
  /**
   * 1 when written by a version that leaves its movement notices to the notice writer (migration
   * 020; every insert of today's code); 0 (the default) when the version that wrote it wrote them
   * itself, in the same transaction: older rows, and rows of an older instance during a rolling
   * upgrade or after a rollback. The writer notifies only 1 (app/write-movement-notices.ts).
   */
  notices_after_commit?: Generated<bigint>;
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
  expires_at: bigint; // epoch ms; after it a pending hold reads `expired` and the sweeper settles it
  created_at: bigint;
  resolved_at: bigint | null;
  transaction_id: string | null; // the capture's ledger transaction, once captured
  actor_user_id: string | null;
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

/** Why and when staff froze an account (migration 015): one row while it is frozen. */
export interface AccountFreezesTable {
  account_id: string;
  /** The staff member's reason, shown to the owner. */
  reason: string;
  frozen_at: bigint;
}
