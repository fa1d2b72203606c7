/**
 * Monthly statements on the web (issue 16 item 3): /statements lists an account's months,
 * /statements/{account}/{YYYY-MM} shows one (printable on A4 and Letter: the print style hides the
 * navigation), with the same statement as a PDF and as the signed JSON document next to it.
 * Someone else's account is a 404 page; a malformed or future month a 400 page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listAccounts } from '../../../app/get-profile.js';
import { listStatementMonths } from '../../../app/statements.js';
import { formatAccountNumber } from '../../pages/format.js';
import { statementPdf } from '../../pages/statement-pdf.js';
import { monthLabel, statementFileName, statementPageView, statementPath } from '../../pages/statement-view.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';
import { signedStatement } from '../../statement-document.js';

const needs = { config: { auth: 'session', limit: 'global' } } as const;

type Params = { account_id: string; month: string };

async function statementOf(app: FastifyInstance, request: FastifyRequest) {
  const { account_id, month } = request.params as Params;
  return signedStatement(app.ctx, sessionOf(request).userId, account_id, month);
}

function download(reply: FastifyReply, type: string, name: string, body: string | Buffer): FastifyReply {
  return reply.type(type).header('content-disposition', `attachment; filename="${name}"`).send(body);
}

export default async function statementPages(app: FastifyInstance): Promise<void> {
  app.get('/statements', needs, async (request, reply) => {
    const session = sessionOf(request);
    const accounts = await listAccounts(app.ctx, session.userId);
    const asked = (request.query as { account?: unknown }).account;
    const account = accounts.find((a) => a.id === asked) ?? accounts[0];
    if (!account) throw new Error(`user ${session.userId} has no account`);
    const months = await listStatementMonths(app.ctx, session.userId, account.id);
    return renderPage(reply, 'statements', {
      title: 'Statements',
      accounts: accounts.map((a) => ({ id: a.id, label: `${formatAccountNumber(a.number)} (${a.currency})`, selected: a.id === account.id })),
      months: months.reverse().map((m) => ({ ...m, label: monthLabel(m.month), url: statementPath(account.id, m.month) })),
    });
  });

  app.get('/statements/:account_id/:month', needs, async (request, reply) => {
    const { data, json } = await statementOf(app, request);
    const view = statementPageView(data, json);
    return renderPage(reply, 'statement', {
      title: `Statement ${view.monthLabel}`,
      statement: view,
      backUrl: `/statements?account=${encodeURIComponent(data.account.id)}`,
    });
  });

  app.get('/statements/:account_id/:month/statement.pdf', needs, async (request, reply) => {
    const { data, json } = await statementOf(app, request);
    return download(reply, 'application/pdf', statementFileName(data, 'pdf'), await statementPdf(statementPageView(data, json)));
  });

  app.get('/statements/:account_id/:month/statement.json', needs, async (request, reply) => {
    const { data, json } = await statementOf(app, request);
    return download(reply, 'application/json; charset=utf-8', statementFileName(data, 'json'), JSON.stringify(json, null, 2) + '\n');
  });
}
