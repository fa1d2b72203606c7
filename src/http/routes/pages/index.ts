/**
 * The web bank: server-rendered pages with cookie sessions. Encapsulated, so its cookie, session,
 * CSRF and form-body handling never touch /api. Order matters: cookies and the session are read
 * on request, the CSRF check runs in preValidation (before any handler), session activity is
 * recorded in preHandler, then the route runs.
 */
import querystring from 'node:querystring';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../domain/errors.js';
import { illFormedTextError, illFormedUrlencodedField } from '../../well-formed-text.js';
import csrfPlugin from '../../plugins/csrf.js';
import sessionPlugin from '../../plugins/session.js';
import accountPages from './accounts.js';
import adminPages from './admin.js';
import adminRolePages from './admin-roles.js';
import adminReversalPages from './admin-reversals.js';
import adminDepositPages from './admin-deposits.js';
import adminDeliveryPages from './admin-deliveries.js';
import authPages from './auth.js';
import dashboardPage from './dashboard.js';
import holdPages from './holds.js';
import homePage from './home.js';
import moneyPages from './money.js';
import notificationPages from './notifications.js';
import passkeyPages from './passkeys.js';
import passwordResetPages from './password-reset.js';
import requestPayPages from './request-pay.js';
import requestPages from './requests.js';
import settingsPages from './settings.js';
import statementPages from './statements.js';
import staticFiles from './static-files.js';
import transactionsPages from './transactions.js';
import transferPages from './transfer.js';

/** A urlencoded form body; a field that is not well-formed text is 400 (issue 11 class 8). */
function parseFormBody(text: string): Record<string, unknown> {
  const illFormed = illFormedUrlencodedField(text);
  if (illFormed !== null) throw illFormedTextError(illFormed);
  // Node's parser (null prototype, a repeated field becomes an array as before); no cap on the number of
  // fields, which the body limit already bounds, so none is silently dropped.
  return querystring.parse(text, '&', '=', { maxKeys: 0 });
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

export default async function pageRoutes(app: FastifyInstance): Promise<void> {
  // The body's text is checked for ill-formed fields before it is parsed.
  await app.register(formbody, { parser: parseFormBody });
  await app.register(sessionPlugin);
  await app.register(csrfPlugin);
  await app.register(staticFiles);

  app.addHook('onRequest', async (request) => {
    // Page forms post urlencoded bodies only; anything else is refused before it is parsed.
    if (request.method === 'POST' && !FORM_TYPE.test(request.headers['content-type'] ?? '')) {
      throw new DomainError('unsupported_media_type', 'This form could not be read. Reload the page and try again.');
    }
  });
  app.addHook('onSend', async (request, reply) => {
    // Pages carry balances, names and CSRF tokens: never stored, so Back after sign-out shows nothing.
    if (!request.url.startsWith('/static/')) reply.header('cache-control', 'no-store');
  });

  await app.register(homePage);
  await app.register(adminPages);
  await app.register(adminRolePages);
  await app.register(adminReversalPages);
  await app.register(adminDepositPages);
  await app.register(adminDeliveryPages);
  await app.register(authPages);
  await app.register(passwordResetPages);
  await app.register(dashboardPage);
  await app.register(accountPages);
  await app.register(moneyPages);
  await app.register(transferPages);
  await app.register(transactionsPages);
  await app.register(settingsPages);
  await app.register(notificationPages);
  await app.register(statementPages);
  await app.register(passkeyPages);
  await app.register(requestPages);
  await app.register(holdPages);
  await app.register(requestPayPages);
}
