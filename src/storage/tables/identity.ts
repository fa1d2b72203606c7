/**
 * Users and their credentials: API tokens, web sessions, idempotency keys, roles, password
 * reset tokens and the audit trail.
 * Part of the database type (../schema.ts), which lists every table.
 */
import type { Generated } from 'kysely';

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

/** A staff role held by a user (migration 015); every user is a customer without a row. */
export interface UserRolesTable {
  user_id: string;
  role: 'support' | 'admin';
  granted_at: bigint;
  /** The admin who granted it, or null when granted on the command line. */
  granted_by: string | null;
}

/** A password reset link issued (migration 018); only the token's SHA-256 is stored. */
export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  issued_by: 'email' | 'staff';
  password_generation: bigint;
  email: string | null;
  created_at: bigint;
  expires_at: bigint;
  code_failures: Generated<bigint>;
  ended_at: bigint | null;
  used_at: bigint | null;
}
