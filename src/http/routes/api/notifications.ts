/**
 * Notifications and the email address through the API (issue 18; contract "Recovery and
 * notifications (round 2)"): GET /notifications, POST /notifications/{id}/read, PUT /me/email,
 * POST /me/email/confirm. Bearer authentication; the global rate limit for reads and marks, the auth
 * limit for asking for a confirmation email (each one sends mail) and for trying a token.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { confirmEmail, requestEmailChange } from '../../../app/email-address.js';
import { listNotifications, readNotification } from '../../../app/notifications.js';
import { DomainError } from '../../../domain/errors.js';
import { principalOf } from '../../plugins/api-auth.js';
import { errorResponses } from './schemas.js';
import { rfc3339 } from './serialize.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });

export const NotificationSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String(),
    text: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    read_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { additionalProperties: false },
);

const NotificationsQuery = Type.Object(
  {
    unread: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
    starting_after: Type.Optional(Id),
  },
  { additionalProperties: false },
);

/** The email status GET /api/v1/me shows (contract: `email: {address, confirmed}|null`). */
export const EmailStatusSchema = Type.Union([Type.Object({ address: Type.String(), confirmed: Type.Boolean() }, { additionalProperties: false }), Type.Null()]);

const EmailBody = Type.Object({ email: Type.String({ minLength: 1, maxLength: 320 }) }, { additionalProperties: false });
const ConfirmBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });

export default async function notificationRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/notifications',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: {
        querystring: NotificationsQuery,
        response: { 200: Type.Object({ data: Type.Array(NotificationSchema), has_more: Type.Boolean() }, { additionalProperties: false }), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query as { unread?: 'true' | 'false'; limit?: string; starting_after?: string };
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (limit !== undefined && (limit < 1 || limit > 100)) throw new DomainError('invalid_request', 'limit must be 1 to 100.', 'limit');
      const page = await listNotifications(app.ctx, principalOf(request).userId, { unread: q.unread === 'true', limit, startingAfter: q.starting_after });
      return {
        data: page.data.map((n) => ({
          id: n.id,
          kind: n.kind,
          text: n.text,
          created_at: rfc3339(n.createdAtMs),
          read_at: n.readAtMs === null ? null : rfc3339(n.readAtMs),
        })),
        has_more: page.hasMore,
      };
    },
  );

  app.post(
    '/notifications/:id/read',
    {
      config: { auth: 'bearer', limit: 'global' },
      schema: { params: Type.Object({ id: Id }, { additionalProperties: false }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await readNotification(app.ctx, principalOf(request).userId, (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  );

  app.put(
    '/me/email',
    { config: { auth: 'bearer', limit: 'auth' }, schema: { body: EmailBody, response: { 202: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await requestEmailChange(app.ctx, principalOf(request).userId, (request.body as { email: string }).email);
      return reply.code(202).send();
    },
  );

  app.post(
    '/me/email/confirm',
    { config: { auth: 'bearer', limit: 'auth' }, schema: { body: ConfirmBody, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await confirmEmail(app.ctx, principalOf(request).userId, (request.body as { token: string }).token);
      return reply.code(204).send();
    },
  );
}
