/**
 * Settings: change the password (current one required; every other session and every API token
 * ends), see where you are signed in, end one session or all the others (API tokens included),
 * choose the time zone pages show times in, and read the security activity a page at a time.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import type { ActiveSession } from '../../../app/resume-session.js';
import { changePassword } from '../../../app/change-password.js';
import { revokeOtherSessions, revokeSession } from '../../../app/end-session.js';
import { listSessions } from '../../../app/list-sessions.js';
import { chooseTimeZone } from '../../../app/time-zone-preference.js';
import { knownTimeZones } from '../../../domain/time-zone.js';
import { isDomainError } from '../../../domain/errors.js';
import { describeUserAgent, formatDateTime, formatMoney, isoTime } from '../../pages/format.js';
import { errorItems, field, type FieldErrors } from '../../pages/forms.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { passkeySettingsData } from '../../pages/passkey-settings.js';
import { securityTimeline } from '../../pages/security-timeline.js';
import { renderPage } from '../../pages/views.js';
import { clientInfo } from '../../client-info.js';
import { sessionOf } from '../../plugins/session.js';
import { notificationSettingsData, notificationSettingsRoutes } from './notification-settings.js';
import { totpSettingsRoutes } from './totp-settings.js';
import { secondFactorStatus } from '../../../app/second-factor-status.js';
import { pendingTotpSecret, unusedRecoveryCodes } from '../../../app/totp-enrolment.js';

export default async function settingsPages(app: FastifyInstance): Promise<void> {
  settingsPage(app);
  timeZoneRoute(app);
  passwordRoute(app);
  sessionRoutes(app);
  totpSettingsRoutes(app, (request, reply, errors, status) => showSettings(app.ctx, reply, sessionOf(request), errors, status));
  notificationSettingsRoutes(app, (request, reply, errors, status) => showSettings(app.ctx, reply, sessionOf(request), errors, status));
}

/** The authenticator-app section's state (issue 13): on, pending enrolment (secret shown), codes left. */
async function totpState(ctx: AppContext, userId: string) {
  const status = await secondFactorStatus(ctx, ctx.storage.db, userId);
  return {
    on: status.totp,
    pending: await pendingTotpSecret(ctx, userId),
    codesLeft: status.totp ? await unusedRecoveryCodes(ctx, userId) : 0,
    stepUpAmount: formatMoney(BigInt(ctx.config.stepUpMinor), ctx.config.currency),
  };
}

/** `activityBefore`: the id the activity list's "Older" link carries (keyset), absent for the newest page. */
const showSettings = async (ctx: AppContext, reply: FastifyReply, session: ActiveSession, errors: FieldErrors, status: number, activityBefore?: string) => {
  const sessions = await listSessions(ctx, session.userId, session.idHash);
  const timeZone = session.timeZone;
  const activity = await securityTimeline(ctx, session.userId, timeZone, activityBefore);
  return renderPage(
    reply,
    'settings',
    {
      title: 'Settings',
      username: session.username,
      errors: errorItems(errors, ['current_password', 'new_password', 'password_code', 'totp_password', 'totp_code', 'totp_off_password', 'totp_off_code']),
      totp: await totpState(ctx, session.userId),
      timeZone,
      timeZones: knownTimeZones(),
      timeZoneError: errors.time_zone ?? null,
      sessions: sessions.map((s) => ({
        handle: s.handle,
        current: s.current,
        browser: describeUserAgent(s.userAgent),
        userAgent: s.userAgent || 'not sent',
        ip: s.ip,
        created: formatDateTime(s.createdAtMs, timeZone),
        createdIso: isoTime(s.createdAtMs),
        lastSeen: formatDateTime(s.lastSeenAtMs, timeZone),
        lastSeenIso: isoTime(s.lastSeenAtMs),
      })),
      otherCount: sessions.filter((s) => !s.current).length,
      ...(await passkeySettingsData(ctx, session.userId, timeZone)),
      ...(await notificationSettingsData(ctx, session.userId)),
      securityEvents: activity.items,
      activityIsNewest: activityBefore === undefined,
      activityOlderUrl: activity.olderBefore ? `/settings?activity_before=${activity.olderBefore}#security-heading` : null,
    },
    status,
  );
};

/** GET /settings: the page, with one page of security activity. */
function settingsPage(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.get('/settings', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const before = (request.query as { activity_before?: unknown }).activity_before;
    return showSettings(ctx, reply, sessionOf(request), {}, 200, typeof before === 'string' && before !== '' ? before.slice(0, 32) : undefined);
  });
}

/** POST /settings/time-zone: the time zone pages show times in. */
function timeZoneRoute(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.post('/settings/time-zone', { config: { auth: 'session', csrf: true, limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    try {
      const zone = await chooseTimeZone(ctx, session.userId, field(request, 'time_zone'));
      return redirectWithFlash(reply, '/settings', { kind: 'success', text: `Times are now shown in ${zone}.` });
    } catch (error) {
      if (!isDomainError(error) || error.param !== 'time_zone') throw error;
      return showSettings(ctx, reply, session, { time_zone: error.message }, 400);
    }
  });
}

/** POST /settings/password: change the password (every other session and API token ends). */
function passwordRoute(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.post('/settings/password', { config: { auth: 'session', csrf: true, limit: 'auth' } }, async (request, reply) => {
    const session = sessionOf(request);
    const currentPassword = field(request, 'current_password');
    const newPassword = field(request, 'new_password');
    const errors: FieldErrors = {};
    if (currentPassword === '') errors.current_password = 'Enter your current password.';
    if (newPassword === '') errors.new_password = 'Enter a new password.';
    if (Object.keys(errors).length === 0) {
      try {
        await changePassword(
          ctx,
          { userId: session.userId, currentSessionIdHash: session.idHash, currentPassword, newPassword, code: field(request, 'password_code') },
          clientInfo(request),
        );
        return redirectWithFlash(reply, '/settings', {
          kind: 'success',
          text: 'Password changed. You were signed out everywhere else, and API tokens were revoked.',
        });
      } catch (error) {
        if (!isDomainError(error)) throw error;
        errors[error.param === 'current_password' || error.param === 'password_code' ? error.param : 'new_password'] = error.message;
      }
    }
    return showSettings(ctx, reply, session, errors, 400);
  });
}

/** End one other session, or all the others (API tokens included). */
function sessionRoutes(app: FastifyInstance): void {
  const ctx = app.ctx;

  app.post('/settings/sessions/revoke', { config: { auth: 'session', csrf: true, limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const handle = field(request, 'session');
    if (handle === session.handle) {
      return redirectWithFlash(reply, '/settings', { kind: 'info', text: 'To end this session, use Sign out.' });
    }
    try {
      await revokeSession(ctx, session.userId, handle, clientInfo(request));
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'not_found') throw error;
      return redirectWithFlash(reply, '/settings', { kind: 'info', text: 'That session had already ended.' });
    }
    return redirectWithFlash(reply, '/settings', { kind: 'success', text: 'That session was signed out.' });
  });

  app.post('/settings/sessions/revoke-others', { config: { auth: 'session', csrf: true, limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const ended = await revokeOtherSessions(ctx, session.userId, session.idHash, clientInfo(request));
    const sessions = ended.sessions === 1 ? 'Signed out 1 other session' : `Signed out ${ended.sessions} other sessions`;
    const tokens = ended.apiTokens === 0 ? '' : ended.apiTokens === 1 ? ' and ended 1 API token' : ` and ended ${ended.apiTokens} API tokens`;
    return redirectWithFlash(reply, '/settings', { kind: 'success', text: `${sessions}${tokens}.` });
  });
}
