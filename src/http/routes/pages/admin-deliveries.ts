/**
 * The delivery log in the console (issue 18 item 4), for admins: outbox messages (webhooks and
 * emails) newest first with status, attempts, last error and next try, filtered by status (the
 * `failed` ones are what an operator acts on), 50 a page (keyset: `before=<seq>`). Read only.
 */
import type { FastifyInstance } from 'fastify';
import { DELIVERY_STATUSES, deliveryLog } from '../../../app/delivery-log.js';
import { isDomainError } from '../../../domain/errors.js';
import { formatDateTime, isoTime } from '../../pages/format.js';
import { sessionOf } from '../../plugins/session.js';
import { renderConsole } from './admin.js';

const PAGE_SIZE = 50;
const page = { config: { auth: 'session', limit: 'global', staff: 'admin' } } as const;

export default async function adminDeliveryPages(app: FastifyInstance): Promise<void> {
  app.get('/admin/deliveries', page, async (request, reply) => {
    const query = request.query as { status?: unknown; before?: unknown };
    const status = typeof query.status === 'string' ? query.status : '';
    const before = typeof query.before === 'string' && /^\d{1,19}$/.test(query.before) ? BigInt(query.before) : undefined;
    const timeZone = sessionOf(request).timeZone;
    const base = { title: 'Deliveries', statuses: DELIVERY_STATUSES, status };
    try {
      const log = await deliveryLog(app.ctx, { status, limit: PAGE_SIZE, beforeSeq: before });
      const last = log.data.at(-1);
      return renderConsole(request, reply, 'admin-deliveries', {
        ...base,
        error: null,
        rows: log.data.map((m) => ({
          id: m.id,
          channel: m.channel,
          target: m.target,
          eventType: m.eventType,
          status: m.status,
          attempts: m.attempts,
          lastError: m.lastError ?? '',
          created: formatDateTime(m.createdAtMs, timeZone),
          createdIso: isoTime(m.createdAtMs),
          nextTry: m.status === 'pending' ? formatDateTime(m.nextAttemptAtMs, timeZone) : '',
          delivered: m.deliveredAtMs === null ? '' : formatDateTime(m.deliveredAtMs, timeZone),
        })),
        olderUrl:
          log.hasMore && last ? `/admin/deliveries?${new URLSearchParams({ ...(status ? { status } : {}), before: String(last.seq) }).toString()}` : null,
      });
    } catch (error) {
      if (!isDomainError(error) || error.param !== 'status') throw error;
      return renderConsole(request, reply, 'admin-deliveries', { ...base, error: error.message, rows: [], olderUrl: null }, 400);
    }
  });
}
