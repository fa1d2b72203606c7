/**
 * The tables of the outbox, notifications and email addresses (migration 017, issue 18), kept apart
 * from schema.ts so that file stays under the house's 300 lines; schema.ts's Database names them.
 */
import type { Generated } from 'kysely';

/** A message to deliver (migration 017): a webhook POST or an email, written with what it reports. */
export interface OutboxTable {
  seq: Generated<bigint>;
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  event_type: string;
  key_a: string | null;
  key_b: string | null;
  payload: string;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<bigint>;
  next_attempt_at: bigint;
  lease_id: string | null;
  lease_until: bigint | null;
  last_error: string | null;
  created_at: bigint;
  delivered_at: bigint | null;
}

/** An in-app notice to a user (migration 017). */
export interface NotificationsTable {
  seq: Generated<bigint>;
  id: string;
  user_id: string;
  kind: string;
  text: string;
  created_at: bigint;
  read_at: bigint | null;
}

/** A user's confirmed email address and a pending one awaiting its link (migration 017). */
export interface UserEmailsTable {
  user_id: string;
  address: string | null;
  confirmed_at: bigint | null;
  pending_address: string | null;
  /** SHA-256 of the confirmation link's token. */
  token_hash: string | null;
  token_expires_at: bigint | null;
}

/** The email notices a user turned off and the "money sent" threshold in minor units (migration 017). */
export interface NotificationSettingsTable {
  user_id: string;
  email_off: Generated<string>;
  sent_threshold_minor: bigint | null;
}

/** How far the movement notice writer has followed the chain (migration 020): one row, id 1. */
export interface NoticeCursorTable {
  id: number;
  /** The last chain position whose movement notices are written. */
  position: bigint;
}
