import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../domain/errors.js';
import { apiAuth } from '../../plugins/api-auth.js';
import accountRoutes from './accounts.js';
import adminReversalRoutes from './admin-reversals.js';
import adminRoutes from './admin.js';
import authRoutes from './auth.js';
import holdRoutes from './holds.js';
import moneyRoutes from './money.js';
import payeeRoutes from './payees.js';
import secondFactorRoutes from './second-factor.js';
import paymentRequestRoutes from './payment-requests.js';
import statementRoutes from './statements.js';
import ledgerRoutes from './ledger.js';
import passwordResetRoutes from './password-reset.js';
import notificationRoutes from './notifications.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The JSON API under /api/v1: only JSON bodies, never cached, never cookie-authenticated. */
export default async function apiRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const type = request.headers['content-type'];
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (BODY_METHODS.has(request.method) && (hasBody || type !== undefined) && !/^application\/json\s*(;|$)/i.test(type ?? '')) {
      throw new DomainError('unsupported_media_type', 'Send the request body as application/json.');
    }
  });
  // Each route's `config.auth` (route-needs.ts); bearer unless it says otherwise.
  await app.register(apiAuth);
  await app.register(authRoutes);
  await app.register(accountRoutes);
  await app.register(moneyRoutes);
  await app.register(holdRoutes);
  await app.register(payeeRoutes);
  await app.register(secondFactorRoutes);
  await app.register(paymentRequestRoutes);
  await app.register(statementRoutes);
  await app.register(adminRoutes);
  await app.register(adminReversalRoutes);
  await app.register(ledgerRoutes);
  await app.register(passwordResetRoutes);
  await app.register(notificationRoutes);
}
