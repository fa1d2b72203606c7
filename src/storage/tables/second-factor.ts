/**
 * The second factor (issue 13): TOTP secrets (sealed), recovery code hashes, half-finished
 * sign-ins, passkeys and single-use WebAuthn challenges.
 * Part of the database type (../schema.ts), which lists every table.
 */
import type { Generated } from 'kysely';

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
