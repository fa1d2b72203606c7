/**
 * One place where every failure becomes the contract's error shape. Expected outcomes carry their
 * code; framework errors (bad JSON, too large, wrong content type, schema violations) are mapped to
 * theirs; anything else is a bug: logged in full, answered with `internal_error` and a request id.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DomainError, isDomainError, RateLimitedError, type ErrorCode } from '../../domain/errors.js';
import { errorBody, errorStatus } from '../error-status.js';
import { isStorageUnavailable } from '../../storage/storage-faults.js';

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Turns the first schema violation into a contract error naming the field. */
export function validationToDomainError(issues: ValidationIssue[], context: string | undefined): DomainError {
  const issue = issues[0];
  if (!issue) return new DomainError('invalid_request', 'The request is not valid.');
  const field =
    issue.keyword === 'required'
      ? String(issue.params.missingProperty)
      : issue.keyword === 'additionalProperties'
        ? String(issue.params.additionalProperty)
        : (issue.instancePath.replace(/^\//, '').split('/')[0] ?? '');
  if (context === 'body' && field === 'amount') {
    return new DomainError('invalid_amount', 'Amount must be a positive whole number of minor units (cents), within the limit.', 'amount');
  }
  if (issue.keyword === 'additionalProperties') return new DomainError('invalid_request', `Unknown field "${field}".`, field);
  if (issue.keyword === 'required') return new DomainError('invalid_request', `Missing required field "${field}".`, field);
  if (field === '') return new DomainError('invalid_request', `The ${context ?? 'request'} must be a JSON object.`);
  // Say what is wrong without echoing internal limits or patterns from the schema.
  const problem =
    issue.keyword === 'maxLength'
      ? 'is too long'
      : issue.keyword === 'minLength'
        ? 'is too short'
        : issue.keyword === 'pattern'
          ? 'contains characters that are not allowed'
          : (issue.message ?? 'is not valid');
  return new DomainError('invalid_request', `Field "${field}" ${problem}.`, field);
}

const frameworkCodes: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the request body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['invalid_request', 'The Content-Length header does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_request', 'The request body is empty; send a JSON object.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_request', 'The request body is not valid JSON.'],
  FST_CSRF_MISSING_SECRET: ['csrf_failed', 'This form has expired or did not come from minibank. Go back, reload the page and try again.'],
  FST_CSRF_INVALID_TOKEN: ['csrf_failed', 'This form has expired or did not come from minibank. Go back, reload the page and try again.'],
};

/** Maps any thrown value to a DomainError, or null when it is a bug (a 5xx). */
export function toDomainError(error: unknown): DomainError | null {
  if (isDomainError(error)) return error;
  const e = error as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (e?.validation) return validationToDomainError(e.validation, e.validationContext);
  const mapped = e?.code ? frameworkCodes[e.code] : undefined;
  if (mapped) return new DomainError(mapped[0], mapped[1]);
  if (e instanceof SyntaxError || (e?.statusCode === 400 && /JSON|prototype|constructor/i.test(e.message))) {
    return new DomainError('invalid_request', 'The request body is not valid JSON.');
  }
  if (e?.statusCode === 413) return new DomainError('payload_too_large', 'The request body is too large.');
  if (e?.statusCode === 415) return new DomainError('unsupported_media_type', 'Send the request body as application/json.');
  if (e?.statusCode === 404) return new DomainError('not_found', 'Not found.');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new DomainError('invalid_request', 'The request is not valid.');
  return null;
}

export type ErrorRenderer = (request: FastifyRequest, reply: FastifyReply, status: number, error: DomainError) => unknown;

declare module 'fastify' {
  interface FastifyInstance {
    /** Pages register an HTML renderer for non-API paths; the JSON shape is the default. */
    htmlErrorRenderer?: ErrorRenderer;
  }
}

/**
 * Whether an error is answered as the API's JSON or as a page (issue 11 class 7): by the route that
 * matched, so `/%61pi/v1/me` (the API route, percent-encoded) still gets JSON; when nothing matched
 * (a 404, a URL that cannot be decoded), by the path's prefix, decoded where it can be.
 */
export function isApiRequest(request: FastifyRequest): boolean {
  const route = request.routeOptions?.url;
  const path = route && route !== '*' && route !== '/*' ? route : decodedPath(request.url);
  return path === API_ROOT || path.startsWith(`${API_ROOT}/`);
}

const API_ROOT = '/api';

function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A page that needs nothing (no template, no session): the answer when the error page itself fails. */
const BARE_ERROR_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>minibank</title></head><body><h1>Something went wrong</h1><p>Please go back and try again.</p></body></html>';

/**
 * Sends `error` as the contract's JSON body (under /api) or the friendly page (elsewhere), with its
 * status (error-status.ts). A page that fails to render falls back to a bare page with the same
 * status, never to Fastify's default body (which would show an internal message).
 */
export async function sendError(request: FastifyRequest, reply: FastifyReply, error: DomainError): Promise<unknown> {
  const status = errorStatus[error.code];
  if (error instanceof RateLimitedError) reply.header('retry-after', String(error.retryAfterSeconds));
  const renderer = request.server.htmlErrorRenderer;
  if (renderer && !isApiRequest(request)) {
    try {
      return await renderer(request, reply, status, error);
    } catch (renderError) {
      request.log.error({ err: renderError }, 'error page failed to render');
      return reply.code(status).type('text/html; charset=utf-8').send(BARE_ERROR_PAGE);
    }
  }
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message, error.param, status >= 500 ? request.id : undefined));
}

export default fp(
  async function errors(app: FastifyInstance) {
    app.setErrorHandler((error, request, reply) => {
      const domain = toDomainError(error);
      if (domain) return sendError(request, reply, domain);
      if (isStorageUnavailable(error)) {
        // Logged in full: the cause (SQLITE_FULL, disk_full, a lost connection) must reach the log.
        request.log.error({ err: error }, 'storage unavailable');
        return sendError(
          request,
          reply,
          new DomainError('unavailable', 'The bank cannot reach its data right now; nothing was changed. Try again in a moment.'),
        );
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendError(request, reply, new DomainError('internal_error', 'Something went wrong on our side. Quote the request id if you contact us.'));
    });
    app.setNotFoundHandler((request, reply) =>
      sendError(request, reply, new DomainError('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`)),
    );
  },
  { name: 'errors' },
);
