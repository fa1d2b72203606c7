/**
 * One Common Log Format line per request, written after the response has gone out (so the status is
 * the final one, errors and 404s included) by the request-observers plugin. authuser is the
 * signed-in username: the API's bearer principal (`request.principal.username`) or the web
 * session's user (`request.session.username`, set by the session plugin), whichever the request
 * has; `-` for anyone else. This plugin owns the sink and counts the bytes of streamed bodies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccessLogSink } from '../access-log-sink.js';
import { formatClfLine } from '../clf.js';
import { redactQuerySecrets } from '../url-redaction.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The access log's sink, or null when ACCESS_LOG=off. Server and tests flush and reopen it. */
    accessLog: AccessLogSink | null;
  }
  interface FastifyRequest {
    /** Body bytes written so far when the body is a stream; null for any other body. */
    accessLogStreamedBytes: number | null;
  }
}

/** The signed-in user's name, from whichever authentication the request carried. */
export function signedInUsername(request: FastifyRequest): string | null {
  const fromToken = request.principal?.username;
  if (fromToken) return fromToken;
  const session = (request as unknown as { session?: { username?: unknown } | null }).session;
  return typeof session?.username === 'string' ? session.username : null;
}

/**
 * Body bytes as sent. A string or Buffer body is written whole by Fastify, which sets its exact
 * length as Content-Length just before (after every onSend hook); a streamed body was counted as
 * it went out. A HEAD answer, a 204 and a 304 carry no body, whatever a handler tried to write.
 */
function bodyBytes(request: FastifyRequest, reply: FastifyReply): number | null {
  const status = reply.statusCode;
  if (request.raw.method === 'HEAD' || status === 204 || status === 304) return null;
  if (request.accessLogStreamedBytes !== null) return request.accessLogStreamedBytes;
  const length = reply.getHeader('content-length');
  return length === undefined ? null : Number(length);
}

/** The CLF line of a finished request; `startMs` is when it arrived, on the app's clock. */
export function accessLogLine(request: FastifyRequest, reply: FastifyReply, startMs: number): string {
  const raw = request.raw;
  return formatClfLine({
    host: request.ip,
    user: signedInUsername(request),
    timeMs: startMs,
    method: raw.method ?? '-',
    // One-time tokens in a query string (a reset link) never reach the log (url-redaction.ts).
    url: redactQuerySecrets(raw.url ?? '-'),
    httpVersion: raw.httpVersion,
    status: reply.statusCode,
    bytes: bodyBytes(request, reply),
  });
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/**
 * Counts a streamed body as it is handed to Node. Only streams pay for these wrappers: every other
 * body's size is known from Content-Length.
 */
function countWrites(request: FastifyRequest, reply: FastifyReply): void {
  request.accessLogStreamedBytes = 0;
  const res = reply.raw;
  const write = res.write;
  const end = res.end;
  // Some responses (light-my-request, for one) implement end() through write(): count those bytes once.
  let ending = false;
  res.write = function (this: typeof res, chunk: unknown, ...rest: unknown[]) {
    if (!ending) request.accessLogStreamedBytes! += chunkBytes(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: typeof res, chunk?: unknown, ...rest: unknown[]) {
    request.accessLogStreamedBytes! += chunkBytes(chunk, rest[0]);
    ending = true;
    try {
      return (end as (...args: unknown[]) => typeof res).call(this, chunk, ...rest);
    } finally {
      ending = false;
    }
  } as typeof res.end;
}

export default fp(
  async function accessLog(app: FastifyInstance, options: { sink: AccessLogSink | null }) {
    const { sink } = options;
    app.decorate('accessLog', sink);
    if (!sink) return;
    app.decorateRequest('accessLogStreamedBytes', null);

    // Not async: no promise per request for a hook that almost always does nothing.
    app.addHook('onSend', (request, reply, payload, done) => {
      if (payload !== null && typeof payload === 'object' && !Buffer.isBuffer(payload) && request.accessLogStreamedBytes === null) countWrites(request, reply);
      done(null, payload);
    });

    // Lines of requests that finished are flushed before the database closes and the process exits.
    app.addHook('onClose', async () => sink.close());
  },
  { name: 'access-log' },
);
