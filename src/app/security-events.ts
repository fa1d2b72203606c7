/**
 * The audit trail's use cases: record a security event (who, what, when in UTC, IP, user agent,
 * details) and list a user's own events for their settings page. Observers (the structured log line,
 * the metrics counters) are told about every event, so the three never disagree.
 */
import {
  countAggregatedSecurityEvent,
  insertSecurityEvent,
  listSecurityEventsOfUser,
  type NewSecurityEvent,
} from '../storage/repositories/security-event-repository.js';
import { anonymousEventWindows, type AnonymousEventWindows } from './anonymous-event-window.js';
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { securityNotice, type NotificationKind } from '../domain/notification-kinds.js';
import { notifyUser } from './notify.js';

export const securityEventTypes = [
  'signed_up',
  'login_succeeded',
  'login_failed',
  'login_throttled',
  'logged_out',
  'password_changed',
  'session_revoked',
  'token_issued',
  'token_revoked',
  'rate_limited',
  'csrf_failed',
  'totp_enrolled',
  'totp_disabled',
  'recovery_code_used',
  'second_factor_failed',
  'step_up_passed',
  'passkey_added',
  'passkey_removed',
  'passkey_failed',
  // Issue 15: what a staff member did (on the staff member's own row; details name the target and reason)...
  'staff_looked',
  'staff_froze_account',
  'staff_unfroze_account',
  'staff_signed_out_user',
  'staff_granted_role',
  'staff_revoked_role',
  // ...and what the customer sees of it on their own timeline: "bank staff", never the person.
  'account_frozen_by_staff',
  'account_unfrozen_by_staff',
  'signed_out_by_staff',
  'role_granted',
  'role_revoked',
  // Issue 15 B: reversals (the staff member's rows: requested, written; the customer's: "bank staff").
  'staff_requested_reversal',
  'staff_reversed_transaction',
  'transaction_reversed_by_staff',
  // Issue 18 B: password reset (requested and completed or failed on the user's row; a staff-issued
  // link on the staff member's row and, as "bank staff", on the customer's).
  'password_reset_requested',
  'password_reset_completed',
  'password_reset_failed',
  'staff_issued_reset_link',
  'reset_link_issued_by_staff',
] as const;

export type SecurityEventType = (typeof securityEventTypes)[number];

/** Where a request came from, as far as the HTTP layer can tell (IP honours TRUST_PROXY only). */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export const UNKNOWN_CLIENT: ClientInfo = { ip: null, userAgent: null };

export interface SecurityEventInput {
  type: SecurityEventType;
  userId: string | null;
  client: ClientInfo;
  /** Facts worth keeping; never a password, token, cookie or CSRF value. */
  details?: Record<string, string | number | boolean | null>;
}

export type SecurityEventObserver = (event: SecurityEventInput & { atMs: number }) => void;

const USER_AGENT_MAX_CHARS = 256;
const DETAILS_MAX_CHARS = 1024;

/** The aggregation windows of each app instance (its context), created on first use. */
const windowsOfContext = new WeakMap<AppContext, AnonymousEventWindows>();

function windowsOf(ctx: AppContext): AnonymousEventWindows {
  let windows = windowsOfContext.get(ctx);
  if (!windows) {
    windows = anonymousEventWindows({ windowMs: ctx.config.auditAnonymousWindowMinutes * 60_000, rowsPerWindow: ctx.config.auditAnonymousRowsPerWindow });
    windowsOfContext.set(ctx, windows);
  }
  return windows;
}

/**
 * Records one security event. An event with a user is one row; an event without one is counted on
 * its aggregated row (anonymous-event-window.ts, issue 11 class 14), so anonymous floods cannot
 * grow the audit trail without bound. `db`: the caller's transaction, to commit with its work.
 */
export async function recordSecurityEvent(ctx: AppContext, event: SecurityEventInput, db?: Db | Trx): Promise<void> {
  const atMs = ctx.clock.nowMs();
  const details = event.details ? JSON.stringify(event.details).slice(0, DETAILS_MAX_CHARS) : null;
  const row: NewSecurityEvent = {
    user_id: event.userId,
    type: event.type,
    ip: event.client.ip?.slice(0, 64) ?? null,
    user_agent: event.client.userAgent?.slice(0, USER_AGENT_MAX_CHARS) ?? null,
    details,
    created_at: BigInt(atMs),
  };
  let write = (target: Db | Trx) => insertSecurityEvent(target, row);
  if (event.userId === null) {
    const slot = windowsOf(ctx).slotFor(event.type, row.ip, atMs);
    write = (target) => countAggregatedSecurityEvent(target, { ...row, ip: slot.ip }, slot.key);
  }
  // Events that concern the user (a new sign-in, a password change...) notify them in the same
  // transaction (issue 18; notification-kinds.ts securityNotice).
  const notice = event.userId !== null ? securityNotice(event.type, event.details) : null;
  if (notice && event.userId !== null) write = withNotice(ctx, write, event.userId, notice);
  // On SQLite a lone insert is its own commit, whose fsync stalls the event loop; as a write
  // transaction it shares the group commit with whatever else is being written (a login rush).
  if (db) await write(db);
  else if (ctx.storage.groupsLoneWrites || notice) await ctx.storage.writeTransaction((trx) => write(trx));
  else await write(ctx.storage.db);
  for (const observe of ctx.security?.observers ?? []) {
    try {
      observe({ ...event, atMs });
    } catch {
      // An observer (log line, metric) must never fail the request it describes.
    }
  }
}

function withNotice(ctx: AppContext, write: (target: Db | Trx) => Promise<unknown>, userId: string, notice: { kind: NotificationKind; text: string }) {
  return async (target: Db | Trx) => {
    await write(target);
    await notifyUser(ctx, target, userId, notice.kind, notice.text);
  };
}

export interface SecurityEventView {
  id: string;
  type: SecurityEventType;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  createdAtMs: bigint;
}

export const SECURITY_EVENTS_PAGE_MAX = 100;

/** A user's own security timeline, newest first. `before` is an id from a previous page. */
export async function listSecurityEvents(ctx: AppContext, userId: string, options: { limit?: number; before?: string } = {}): Promise<SecurityEventView[]> {
  const limit = Math.min(Math.max(options.limit ?? 20, 1), SECURITY_EVENTS_PAGE_MAX);
  const beforeSeq = options.before !== undefined && /^\d{1,18}$/.test(options.before) ? BigInt(options.before) : undefined;
  const rows = await listSecurityEventsOfUser(ctx.storage.db, userId, { limit, beforeSeq });
  return rows.map((r) => ({
    id: r.seq.toString(),
    type: r.type as SecurityEventType,
    ip: r.ip,
    userAgent: r.user_agent,
    details: parseDetails(r.details),
    createdAtMs: r.created_at,
  }));
}

function parseDetails(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
