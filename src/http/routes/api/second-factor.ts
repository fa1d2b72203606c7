/**
 * The second factor in the API (issue 13; contract "Second factor"): start a TOTP enrolment with
 * the password, confirm it with a first code (ten recovery codes, shown once), turn it off with the
 * password and a code. Status is on GET /api/v1/me (`mfa`).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { confirmTotpEnrolment, disableTotp, startTotpEnrolment } from '../../../app/totp-enrolment.js';
import { PASSWORD_MAX_CHARS } from '../../../app/password-policy.js';
import { clientInfo } from '../../client-info.js';
import { principalOf } from '../../plugins/api-auth.js';
import { errorResponses } from './schemas.js';

/** A code as typed: 6 digits, or a recovery code with its dashes (room for spaces). */
export const Otp = Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Za-z \\-]+$' });
/** `mfa` on GET /api/v1/me. */
export const MfaStatusSchema = Type.Object({ totp: Type.Boolean(), passkeys: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_CHARS * 4 });

export default async function secondFactorRoutes(app: FastifyInstance): Promise<void> {
  const config = { auth: 'bearer', limit: 'auth' } as const;

  app.post(
    '/me/mfa/totp',
    {
      config,
      schema: {
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: { 201: Type.Object({ secret: Type.String(), otpauth_url: Type.String() }, { additionalProperties: false }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { password } = request.body as { password: string };
      // Contract "Second factor": the password alone starts (or restarts) an enrolment; the app in use stays on until the new one is confirmed.
      const enrolment = await startTotpEnrolment(app.ctx, principalOf(request).userId, password, null, clientInfo(request));
      return reply.code(201).send({ secret: enrolment.secret, otpauth_url: enrolment.otpauthUrl });
    },
  );

  app.post(
    '/me/mfa/totp/confirm',
    {
      config,
      schema: {
        body: Type.Object({ otp: Otp }, { additionalProperties: false }),
        response: {
          200: Type.Object({ recovery_codes: Type.Array(Type.String(), { minItems: 10, maxItems: 10 }) }, { additionalProperties: false }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { otp } = request.body as { otp: string };
      const codes = await confirmTotpEnrolment(app.ctx, principalOf(request).userId, otp, clientInfo(request));
      return { recovery_codes: codes };
    },
  );

  app.delete(
    '/me/mfa/totp',
    {
      config,
      schema: { body: Type.Object({ password: Password, otp: Otp }, { additionalProperties: false }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const body = request.body as { password: string; otp: string };
      await disableTotp(app.ctx, principalOf(request).userId, body, clientInfo(request));
      return reply.code(204).send();
    },
  );
}
