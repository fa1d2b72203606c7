/**
 * Puts refusals that happen outside the use cases into the audit trail: CSRF failures (thrown by the
 * csrf plugin or @fastify/csrf-protection), and feeds every audit event to the structured log and
 * the metrics counter, so the trail, the logs and /metrics tell the same story.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { recordSecurityEvent } from '../../app/security-events.js';
import { isDomainError } from '../../domain/errors.js';
import { clientInfo } from '../client-info.js';

const isCsrfFailure = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return (isDomainError(error) && error.code === 'csrf_failed') || (typeof code === 'string' && code.startsWith('FST_CSRF'));
};

const sessionUserId = (request: FastifyRequest): string | null =>
  (request as FastifyRequest & { session?: { userId?: string } | null }).session?.userId ?? null;

export default fp(
  async function securityAudit(app: FastifyInstance) {
    app.addHook('onError', async (request, _reply, error) => {
      if (!isCsrfFailure(error)) return;
      try {
        await recordSecurityEvent(app.ctx, {
          type: 'csrf_failed',
          userId: sessionUserId(request),
          client: clientInfo(request),
          details: { route: request.routeOptions.url ?? null },
        });
      } catch (failure) {
        request.log.warn({ err: failure }, 'could not record a CSRF failure');
      }
    });
  },
  { name: 'security-audit' },
);
