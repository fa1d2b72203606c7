/**
 * Time limits on how a client sends its request, so a slow client cannot hold a connection open
 * for as long as it likes (issue 11 class 12; ASVS V12.1 / OWASP "Slowloris"). Node's HTTP server
 * enforces them: headers not complete within HEADERS_TIMEOUT_MS, or a whole request (headers and
 * body) not complete within REQUEST_TIMEOUT_MS, gets 408 from Fastify's client-error handler and the
 * socket is destroyed. An idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS.
 * docs/operations.md ("Slow clients and connection limits") says what one address can hold.
 */
import type { ServerOptions } from 'node:http';
import type { Config } from '../config.js';

/** Node checks open connections against the limits on a timer; this keeps a breach noticed within a quarter of the limit, never slower than once a second. */
const MAX_CHECK_INTERVAL_MS = 1000;

/**
 * The Fastify server options for the request time limits, all in milliseconds. Node refuses a
 * headers limit above the whole-request limit, so the smaller one wins (the headers are part of
 * the request). Fastify's own `requestTimeout` is set too: it copies it onto the server after
 * creating it, and its default 0 would switch Node's limit off.
 */
export function slowClientLimits(config: Config): { requestTimeout: number; keepAliveTimeout: number; http: ServerOptions } {
  const requestTimeout = config.requestTimeoutMs;
  const headersTimeout = Math.min(config.headersTimeoutMs, requestTimeout);
  const connectionsCheckingInterval = Math.max(1, Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(headersTimeout / 4)));
  return {
    requestTimeout,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: { requestTimeout, headersTimeout, connectionsCheckingInterval },
  };
}
