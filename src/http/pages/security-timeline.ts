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

export async function securityTimeline(ctx: AppContext, userId: string, limit = 20): Promise<TimelineItem[]> {
  const events = await listSecurityEvents(ctx, userId, { limit });
  return events.map((e) => ({
    type: e.type,
    what: WORDS[e.type] ?? e.type,
    when: formatDateTime(e.createdAtMs),
    whenIso: isoTime(e.createdAtMs),
    ip: e.ip,
    browser: e.userAgent ? describeUserAgent(e.userAgent) : null,
    userAgent: e.userAgent ?? '',
  }));
}
