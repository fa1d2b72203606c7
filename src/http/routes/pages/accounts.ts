/**
 * The accounts page (issue 14 item 1): every account with its status, and forms to open, rename
 * and close them. POST-redirect-GET; a refusal re-renders the page with the message beside the form
 * it came from (the error summary links to it) and the refusal's status. The rules are the API's
 * use cases (open-account.ts, rename-account.ts, close-account.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { closeAccount } from '../../../app/close-account.js';
import { listAccounts, type OwnAccountView } from '../../../app/get-profile.js';
import { openUserAccount } from '../../../app/open-account.js';
import { renameAccount } from '../../../app/rename-account.js';
import { isDomainError } from '../../../domain/errors.js';
import { ACCOUNT_NAME_MAX_CHARS } from '../../../domain/account-name.js';
import { errorStatus } from '../../error-status.js';
import { formatAccountNumber, formatMoney } from '../../pages/format.js';
import { field } from '../../pages/forms.js';
import { redirectWithFlash } from '../../pages/flash.js';
import { renderPage } from '../../pages/views.js';
import { sessionOf } from '../../plugins/session.js';

/** A refused form: which form (the field the summary links to) and what to say. */
interface FormError {
  field: string;
  message: string;
  /** The account whose row holds the refused form, if any. */
  accountId?: string;
}

export default async function accountPages(app: FastifyInstance): Promise<void> {
  const ctx = app.ctx;
  const show = async (reply: FastifyReply, userId: string, error: FormError | null, status: number, typed: { name: string; currency: string }) => {
    const accounts = await listAccounts(ctx, userId);
    return renderPage(
      reply,
      'accounts',
      {
        title: 'Your accounts',
        accounts: accounts.map((a) => accountRow(a, error)),
        currencies: ctx.config.currencies,
        maxAccounts: ctx.config.maxAccountsPerUser,
        nameMax: ACCOUNT_NAME_MAX_CHARS,
        typed,
        openError: error && error.accountId === undefined ? error.message : null,
        errors: error ? [{ field: error.field, message: error.message }] : [],
      },
      status,
    );
  };

  /** Runs a form's use case: 303 to `done` with a flash, or the page again with the refusal. */
  async function answer(
    reply: FastifyReply,
    userId: string,
    errorAt: Omit<FormError, 'message'>,
    typed: { name: string; currency: string },
    work: () => Promise<string>,
  ) {
    try {
      const text = await work();
      return redirectWithFlash(reply, '/accounts', { kind: 'success', text });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return show(reply, userId, { ...errorAt, message: error.message }, errorStatus[error.code], typed);
    }
  }

  const blank = { name: '', currency: '' };
  app.get('/accounts', { config: { auth: 'session', limit: 'global' } }, async (request, reply) => show(reply, sessionOf(request).userId, null, 200, blank));

  app.post('/accounts/open', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const userId = sessionOf(request).userId;
    const typed = { name: field(request, 'name'), currency: field(request, 'currency') };
    return answer(reply, userId, { field: 'new-name' }, typed, async () => {
      const account = await openUserAccount(ctx, userId, { currency: typed.currency || undefined, name: typed.name.trim() === '' ? undefined : typed.name });
      return `Opened ${account.name} (${account.currency}).`;
    });
  });

  app.post('/accounts/rename', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const userId = sessionOf(request).userId;
    const accountId = field(request, 'account');
    return answer(reply, userId, { field: `rename-${accountId}`, accountId }, blank, async () => {
      const account = await renameAccount(ctx, userId, accountId, field(request, 'name'));
      return `Renamed to ${account.name}.`;
    });
  });

  app.post('/accounts/close', { config: { auth: 'session', csrf: true, limit: 'money' } }, async (request, reply) => {
    const userId = sessionOf(request).userId;
    const accountId = field(request, 'account');
    return answer(reply, userId, { field: `close-${accountId}`, accountId }, blank, async () => {
      const account = await closeAccount(ctx, userId, accountId);
      return `Closed ${account.name}.`;
    });
  });
}

function accountRow(a: OwnAccountView, error: FormError | null) {
  return {
    id: a.id,
    name: a.name,
    number: formatAccountNumber(a.number),
    currency: a.currency,
    balance: formatMoney(a.balanceMinor, a.currency),
    status: a.status,
    // Issue 15: why bank staff froze it, for its owner (null unless frozen).
    frozenReason: a.frozenReason,
    error: error?.accountId === a.id ? error.message : null,
  };
}
