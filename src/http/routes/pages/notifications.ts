/**
 * /notifications (issue 18 item 2): the signed-in user's notices, newest first, a page at a time
 * (keyset: `?after=<id>`, like the API's starting_after), with a "Mark read" form per unread notice
 * and "Mark all read". Every change is a POST with its CSRF token answered 303 back to the list
 * (POST-redirect-GET); nothing changes on GET. Another user's notice is the same 404 as none.
 * Works without JavaScript.
 */
import type { FastifyInstance } from 'fastify';
import { listNotifications, readAllNotifications, readNotification } from '../../../app/notifications.js';
import { DomainError, isDomainError } from '../../../domain/errors.js';
import { kindLabels, isNotificationKind } from '../../../domain/notification-kinds.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { formatDateTime, isoTime } from '../../pages/format.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

/** Notices per page. */
const PAGE_SIZE = 25;
/** Ids are the app's uuids; anything else is not looked up. */
const NOTICE_ID = /^[0-9a-f-]{36}$/;

export default async function notificationPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;

  app.get('/notifications', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const after = (request.query as { after?: unknown }).after;
    const startingAfter = typeof after === 'string' && NOTICE_ID.test(after) ? after : undefined;
    let page;
    try {
      page = await listNotifications(ctx, session.userId, { unread: false, limit: PAGE_SIZE, startingAfter });
    } catch (error) {
      if (!isDomainError(error) || error.code !== 'not_found') throw error;
      return redirectWithFlash(reply, '/notifications', { kind: 'info', text: 'That page of notifications is gone; here are the newest.' });
    }
    const last = page.data.at(-1);
    return renderPage(reply, 'notifications', {
      title: 'Notifications',
      notices: page.data.map((n) => ({
        id: n.id,
        label: isNotificationKind(n.kind) ? kindLabels[n.kind] : n.kind,
        text: n.text,
        created: formatDateTime(n.createdAtMs, session.timeZone),
        createdIso: isoTime(n.createdAtMs),
        unread: n.readAtMs === null,
      })),
      unread: session.unreadNotices,
      isNewest: startingAfter === undefined,
      olderUrl: page.hasMore && last ? `/notifications?after=${last.id}` : null,
    });
  });

  app.post('/notifications/:id/read', { config: { auth: 'session', csrf: true, limit: 'global' } }, async (request, reply) => {
    const session = sessionOf(request);
    const { id } = request.params as { id: string };
    // Not an id, another user's notice or none: the same 404 page (the pages' error handler).
    if (!NOTICE_ID.test(id)) throw new DomainError('not_found', 'No such notification.');
    await readNotification(ctx, session.userId, id);
    return redirectWithFlash(reply, '/notifications', { kind: 'success', text: 'Marked as read.' });
  });

  app.post('/notifications/read-all', { config: { auth: 'session', csrf: true, limit: 'global' } }, async (request, reply) => {
    await readAllNotifications(ctx, sessionOf(request).userId);
    return redirectWithFlash(reply, '/notifications', { kind: 'success', text: 'All notifications are marked as read.' });
  });
}
