/**
 * Issue 11 class 12: a client that sends its request slowly is answered 408 and disconnected
 * instead of holding the connection for as long as it likes. Real sockets on 127.0.0.1 with the
 * limits set to about a second; every wait is bounded by a count of drips, never by a clock.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { slowClientLimits } from '../../src/http/slow-clients.js';
import { createHarness, type Harness } from '../helpers/harness.js';

const DRIP_MS = 200;
/** 60 drips of 200 ms is 12 s: far beyond the 1 s limits, so a server that never cuts fails the test. */
const MAX_DRIPS = 60;

interface DripResult {
  answer: string;
  /** Bytes dripped before the server closed the connection. */
  drips: number;
  closedByServer: boolean;
}

/** Connects, sends `head` at once, then one byte of `drip` every DRIP_MS until the server closes or MAX_DRIPS are sent. */
function drip(port: number, head: string, dripByte: string): Promise<DripResult> {
  return new Promise((resolve, reject) => {
    let answer = '';
    let drips = 0;
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      if (head) socket.write(head);
      timer = setInterval(() => {
        if (drips >= MAX_DRIPS) {
          clearInterval(timer);
          socket.destroy();
          return;
        }
        drips++;
        if (dripByte) socket.write(dripByte);
      }, DRIP_MS);
    });
    socket.setEncoding('latin1').on('data', (d: string) => (answer += d));
    socket.on('error', () => {}); // a reset after the 408 is expected; 'close' reports
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, drips, closedByServer: drips < MAX_DRIPS });
    });
    socket.on('timeout', () => reject(new Error('socket timeout')));
  });
}

describe('slow clients (issue 11 class 12)', () => {
  let h: Harness;
  let port: number;
  let token: string;
  before(async () => {
    h = await createHarness('sqlite', { config: { headersTimeoutMs: 1000, requestTimeoutMs: 1000, keepAliveTimeoutMs: 1000 } });
    token = (await h.user('alice')).token;
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await h.close();
  });

  it("answers 408 and closes a request whose body arrives one byte at a time (the issue's example)", async () => {
    // Signed in, so the route waits for the body (an anonymous one is refused before it is read).
    const head = `POST /api/v1/deposits HTTP/1.1\r\nHost: bank\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
    const result = await drip(port, head, ' ');
    assert.ok(result.closedByServer, `still open after ${result.drips} drips`);
    assert.match(result.answer, /^HTTP\/1\.1 408 /);
  });

  it('also cuts a slow form body on the web pages', async () => {
    const head = 'POST /login HTTP/1.1\r\nHost: bank\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\nusername=';
    const result = await drip(port, head, 'a');
    assert.ok(result.closedByServer, `still open after ${result.drips} drips`);
    assert.match(result.answer, /^HTTP\/1\.1 408 /);
  });

  it('closes a connection whose headers never finish', async () => {
    const result = await drip(port, 'GET /healthz HTTP/1.1\r\nHost: bank\r\nX-Slow: ', 'a');
    assert.ok(result.closedByServer, `still open after ${result.drips} drips`);
    assert.match(result.answer, /^HTTP\/1\.1 408 /);
    assert.doesNotMatch(result.answer, / 200 /, 'never an answer to the unfinished request');
  });

  it("answers the 408 in the contract's error shape, with the security headers, and closes", async () => {
    const result = await drip(port, 'GET /api/v1/me HTTP/1.1\r\nHost: bank\r\nX-Slow: ', 'a');
    const [head = '', body = ''] = result.answer.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 408 /);
    assert.match(head, /\r\ncontent-security-policy: default-src 'self'/i);
    assert.match(head, /\r\nx-content-type-options: nosniff/i);
    assert.match(head, /\r\nconnection: close/i);
    assert.deepEqual(Object.keys(JSON.parse(body).error).sort(), ['code', 'message']);
    assert.equal(JSON.parse(body).error.code, 'invalid_request');
  });

  it("answers bytes that are not HTTP with a 400 in the contract's error shape, never Fastify's own body", async () => {
    const result = await drip(port, 'NOT HTTP AT ALL\r\n\r\n', '');
    const [head = '', body = ''] = result.answer.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /\r\ncontent-security-policy: /i);
    assert.equal(JSON.parse(body).error.code, 'invalid_request');
    assert.doesNotMatch(body, /statusCode|Client Error/);
  });

  it('closes a connection that opens and sends nothing', async () => {
    const result = await drip(port, '', '');
    assert.ok(result.closedByServer, `still open after ${result.drips} drips`);
  });

  it('closes an idle keep-alive connection after a finished request', async () => {
    const result = await drip(port, 'GET /healthz HTTP/1.1\r\nHost: bank\r\n\r\n', '');
    assert.match(result.answer, /^HTTP\/1\.1 200 /);
    assert.ok(result.closedByServer, `still open after ${result.drips} drips`);
  });

  it('still serves a client that sends its request in time, and keeps serving after cutting slow ones', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
  });
});

describe('slow-client settings', () => {
  it('defaults to 10 s for headers, 30 s for a whole request and 5 s for an idle keep-alive connection', () => {
    const limits = slowClientLimits(loadConfig({}));
    assert.equal(limits.http.headersTimeout, 10_000);
    assert.equal(limits.http.requestTimeout, 30_000);
    assert.equal(limits.requestTimeout, 30_000, 'Fastify copies its own requestTimeout onto the server: 0 would turn the limit off');
    assert.equal(limits.keepAliveTimeout, 5_000);
  });

  it('never lets the headers limit exceed the whole-request limit', () => {
    const limits = slowClientLimits(loadConfig({ HEADERS_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '20000' }));
    assert.equal(limits.http.headersTimeout, 20_000);
  });

  it('refuses limits that switch the timeouts off or are not numbers', () => {
    for (const [name, value] of [
      ['HEADERS_TIMEOUT_MS', '0'],
      ['REQUEST_TIMEOUT_MS', '0'],
      ['REQUEST_TIMEOUT_MS', 'soon'],
      ['KEEP_ALIVE_TIMEOUT_MS', '-1'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (e: Error) => e.name === 'ConfigError' && e.message.includes(name),
        `${name}=${value}`,
      );
    }
  });
});
