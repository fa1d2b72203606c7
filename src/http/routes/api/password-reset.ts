/**
 * Password reset in the API (issue 18 item 4; contract "Recovery and notifications (round 2)"):
 * POST /password-reset {username} or {email} → 202, always the same body and answered before any
 * lookup (request-password-reset.ts runs the work after the answer, so neither body nor timing
 * says whether the account exists); POST /password-reset/confirm {token, password, otp?} → 204.
 * Both are public with the auth rate limit per IP; the per-account throttle is silent.
 *
 * Staff (support, admin) issue a one-time link for a customer they verified by other means:
 * POST /admin/users/{user_id}/password-reset {reason} → 201 {link, expires_at}, shown this once.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { confirmPasswordReset } from '../../../app/confirm-password-reset.js';
import { PASSWORD_MAX_CHARS } from '../../../app/password-policy.js';
import { askForPasswordReset, passwordResetAsksSettled, type ResetAsk } from '../../../app/request-password-reset.js';
import { issueStaffResetLink } from '../../../app/staff-reset-link.js';
import { DomainError } from '../../../domain/errors.js';
import { clientInfo } from '../../client-info.js';
import { staffOf } from '../../plugins/staff-access.js';
import { ReasonBody, UserParams } from './admin-schemas.js';
import { errorResponses } from './schemas.js';
import { Otp } from './second-factor.js';

/** The one answer to every reset ask (contract: the same body whether or not the account exists). */
export const RESET_ASKED_MESSAGE = 'If the account exists and has a confirmed email address, a link to reset its password is on its way.';

const OneLine = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '^[^\\x00-\\x1f\\x7f]+$' });

const AskBody = Type.Object({ username: Type.Optional(OneLine(64)), email: Type.Optional(OneLine(254)) }, { additionalProperties: false });

const ConfirmBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_CHARS * 4 }),
    otp: Type.Optional(Otp),
  },
  { additionalProperties: false },
);

/** {username} or {email}, exactly one. @throws DomainError invalid_request otherwise. */
export function resetAskOf(body: { username?: string; email?: string }): ResetAsk {
  if (body.username !== undefined && body.email === undefined) return { username: body.username };
  if (body.email !== undefined && body.username === undefined) return { email: body.email };
  throw new DomainError('invalid_request', 'Send either "username" or "email".');
}

export default async function passwordResetRoutes(app: FastifyInstance): Promise<void> {
  // The work of asks answered just before a shutdown finishes before the database closes.
  app.addHook('onClose', async () => passwordResetAsksSettled(app.ctx));

  app.post(
    '/password-reset',
    {
      config: { auth: 'public', limit: 'auth' },
      schema: { body: AskBody, response: { 202: Type.Object({ message: Type.String() }), ...errorResponses } },
    },
    async (request, reply) => {
      const ask = resetAskOf(request.body as { username?: string; email?: string });
      const log = request.log;
      const started = askForPasswordReset(app.ctx, ask, clientInfo(request), (error) => log.warn({ err: error }, 'password reset ask failed'));
      if (!started) log.warn('password reset ask dropped: too many in flight');
      return reply.code(202).send({ message: RESET_ASKED_MESSAGE });
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      config: { auth: 'public', limit: 'auth' },
      schema: { body: ConfirmBody, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await confirmPasswordReset(app.ctx, request.body as { token: string; password: string; otp?: string }, clientInfo(request));
      return reply.code(204).send();
    },
  );

  app.post(
    '/admin/users/:user_id/password-reset',
    {
      config: { auth: 'bearer', limit: 'money', staff: 'support' },
      schema: {
        params: UserParams,
        body: ReasonBody,
        response: { 201: Type.Object({ link: Type.String(), expires_at: Type.String({ format: 'date-time' }) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const actor = { staff: staffOf(request), client: clientInfo(request) };
      const { user_id } = request.params as { user_id: string };
      const issued = await issueStaffResetLink(app.ctx, actor, user_id, (request.body as { reason: string }).reason);
      return reply.code(201).send({ link: issued.link, expires_at: new Date(issued.expiresAtMs).toISOString() });
    },
  );
}
