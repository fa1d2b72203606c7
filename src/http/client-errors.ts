/**
 * Answers for requests that never became requests: a client too slow with its headers or body
 * (Node's 408), headers too large (431), or bytes that are not HTTP at all (400). Node hands these
 * to the server's `clientError` event before any route or hook runs, so Fastify's default would
 * write its own body without our security headers. Here they get the contract's error shape and
 * the same headers as every other answer, then the connection is closed (issue 11 classes 7, 12).
 *
 * The path is unknown at this point (the request line may not even have arrived), so the body is
 * always the JSON error: there is no page to choose.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '../domain/errors.js';
import { securityHeaderLines } from './plugins/security-headers.js';

interface ClientErrorAnswer {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Which answer a low-level client error gets; null when there is nobody left to answer. */
export function clientErrorAnswer(error: NodeJS.ErrnoException): ClientErrorAnswer | null {
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return null;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, code: 'invalid_request', message: 'The request did not arrive in time; the connection is closed.' };
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, code: 'invalid_request', message: 'The request headers are too large.' };
  }
  return { status: 400, code: 'invalid_request', message: 'The request is not valid HTTP.' };
}

/** Fastify's `clientErrorHandler`: writes the answer (when the socket can take it) and closes. */
export function handleClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const answer = clientErrorAnswer(error);
  if (answer === null || socket.destroyed) return;
  if (socket.writable) {
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message } });
    const head = [
      `HTTP/1.1 ${answer.status} ${http.STATUS_CODES[answer.status] ?? 'Error'}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      'cache-control: no-store',
      ...securityHeaderLines(),
    ];
    socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy();
}
