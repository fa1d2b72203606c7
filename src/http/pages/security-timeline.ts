/**
 * The user's own security timeline for /settings: the audit trail's events (src/app/security-events.ts)
 * in plain words. Only ever the signed-in user's own rows; every value is escaped by the template.
 */
import { listSecurityEvents, type SecurityEventType } from '../../app/security-events.js';
import type { AppContext } from '../../app/context.js';
import { describeUserAgent, formatDateTime, isoTime } from './format.js';

const WORDS: Record<SecurityEventType, string> = {
  signed_up: 'Account opened',
  login_succeeded: 'Signed in',
  login_failed: 'Failed sign-in attempt (wrong password)',
  login_throttled: 'Sign-in attempts paused after repeated failures',
  logged_out: 'Signed out',
  password_changed: 'Password changed',
  session_revoked: 'Signed out another session',
  token_issued: 'API token issued',
  token_revoked: 'API token revoked',
  rate_limited: 'Requests slowed down (too many at once)',
  csrf_failed: 'A form post was refused (expired or from another site)',
  totp_enrolled: 'Authenticator app turned on (new recovery codes)',
  totp_disabled: 'Authenticator app turned off',
  recovery_code_used: 'A recovery code was used',
  second_factor_failed: 'Wrong authenticator or recovery code',
  step_up_passed: 'Large payment confirmed with a code',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  passkey_failed: 'A passkey was refused',
  staff_looked: "You looked at a customer's data (staff)",
  staff_froze_account: "You froze a customer's account (staff)",
  staff_unfroze_account: "You unfroze a customer's account (staff)",
  staff_signed_out_user: 'You signed a customer out everywhere (staff)',
  staff_granted_role: 'You granted a staff role (admin)',
  staff_revoked_role: 'You revoked a staff role (admin)',
  account_frozen_by_staff: 'Bank staff froze one of your accounts',
  account_unfrozen_by_staff: 'Bank staff unfroze one of your accounts',
  signed_out_by_staff: 'Bank staff signed you out everywhere',
  role_granted: 'You were given a staff role at the bank',
  role_revoked: 'A staff role of yours was removed',
  staff_requested_reversal: 'You asked for a reversal (staff; waits for a second admin)',
  staff_reversed_transaction: 'You reversed a transaction (staff)',
  transaction_reversed_by_staff: 'Bank staff reversed a transaction on your account',
  password_reset_requested: 'A password reset was asked for',
  password_reset_completed: 'Password reset with a link (every session and API token ended)',
  password_reset_failed: 'A password reset link was refused',
  staff_issued_reset_link: 'You issued a password reset link for a customer (staff)',
  reset_link_issued_by_staff: 'Bank staff issued a link to reset your password',
};

export interface TimelineItem {
  type: string;
  what: string;
  when: string;
  whenIso: string;
  ip: string | null;
  browser: string | null;
  userAgent: string;
}

/** Events on one page of the settings' activity list (issue 12 item 8: the list no longer grows forever). */
export const TIMELINE_PAGE_SIZE = 20;

export interface TimelinePage {
  items: TimelineItem[];
  /** The id to pass as `before` for the next (older) page, or null on the last page. */
  olderBefore: string | null;
}

/**
 * One page of the user's timeline, newest first, keyset-paged on the event id: `before` is the
 * `olderBefore` of the page above (absent for the newest). Times in `timeZone` (IANA).
 */
export async function securityTimeline(
  ctx: AppContext,
  userId: string,
  timeZone: string,
  before?: string,
  pageSize = TIMELINE_PAGE_SIZE,
): Promise<TimelinePage> {
  // One more than a page tells whether an older page exists, without counting.
  const events = await listSecurityEvents(ctx, userId, { limit: pageSize + 1, before });
  const page = events.slice(0, pageSize);
  const items = page.map((e) => ({
    type: e.type,
    what: WORDS[e.type] ?? e.type,
    when: formatDateTime(e.createdAtMs, timeZone),
    whenIso: isoTime(e.createdAtMs),
    ip: e.ip,
    browser: e.userAgent ? describeUserAgent(e.userAgent) : null,
    userAgent: e.userAgent ?? '',
  }));
  const last = page[page.length - 1];
  return { items, olderBefore: events.length > pageSize && last ? last.id : null };
}
