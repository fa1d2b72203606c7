/**
 * One Common Log Format line per request, written after the response has gone out (so the status is
 * the final one, errors and 404s included). authuser is the signed-in username: the API's bearer
 * principal (`request.principal.username`) or the web session's user (`request.session.username`,
 * set by the session plugin), whichever the request has; `-` for anyone else.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccessLogSink } from '../access-log-sink.js';
import { formatClfLine } from '../clf.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The access log's sink, or null when ACCESS_LOG=off. Server and tests flush and reopen it. */
    accessLog: AccessLogSink | null;
  }
  interface FastifyRequest {
    accessLogStartMs: number;
    accessLogBytes: number;
  }
}

/** The signed-in user's name, from whichever authentication the request carried. */
export function signedInUsername(request: FastifyRequest): string | null {
  const fromToken = request.principal?.username;
  if (fromToken) return fromToken;
  const session = (request as unknown as { session?: { username?: unknown } | null }).session;
  return typeof session?.username === 'string' ? session.username : null;
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

export default fp(
  async function accessLog(app: FastifyInstance, options: { sink: AccessLogSink | null }) {
    const { sink } = options;
    app.decorate('accessLog', sink);
    if (!sink) return;
    app.decorateRequest('accessLogStartMs', 0);
    app.decorateRequest('accessLogBytes', 0);

    app.addHook('onRequest', async (request, reply) => {
      request.accessLogStartMs = app.ctx.clock.nowMs();
      // Count the body bytes as they are handed to Node, whatever sent them (a string, a buffer or a stream).
      const res = reply.raw;
      const write = res.write;
      const end = res.end;
      // Some responses (light-my-request, for one) implement end() through write(): count those bytes once.
      let ending = false;
      res.write = function (this: typeof res, chunk: unknown, ...rest: unknown[]) {
        if (!ending) request.accessLogBytes += chunkBytes(chunk, rest[0]);
        return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
      } as typeof res.write;
      res.end = function (this: typeof res, chunk?: unknown, ...rest: unknown[]) {
        request.accessLogBytes += chunkBytes(chunk, rest[0]);
        ending = true;
        try {
          return (end as (...args: unknown[]) => typeof res).call(this, chunk, ...rest);
        } finally {
          ending = false;
        }
      } as typeof res.end;
    });

    app.addHook('onResponse', async (request, reply) => {
      const raw = request.raw;
      // A HEAD answer, a 204 and a 304 carry no body, whatever a handler tried to write.
      const bodyless = raw.method === 'HEAD' || reply.statusCode === 204 || reply.statusCode === 304;
      sink.write(
        formatClfLine({
          host: request.ip,
          user: signedInUsername(request),
          timeMs: request.accessLogStartMs,
          method: raw.method ?? '-',
          url: raw.url ?? '-',
          httpVersion: raw.httpVersion,
          status: reply.statusCode,
          bytes: bodyless ? null : request.accessLogBytes,
        }),
      );
    });

    // Lines of requests that finished are flushed before the database closes and the process exits.
    app.addHook('onClose', async () => sink.close());
  },
  { name: 'access-log' },
);
