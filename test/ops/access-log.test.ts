import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { clfEscape, clfTime, formatClfLine } from '../../src/http/clf.js';
import { auth, createHarness, dialects, withHarness } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';
import { api, childEnv, ensureStopped, signUpAndDeposit, startChildServer, tempDataDir, type ChildServer } from './child-server.js';

/** host ident authuser [dd/Mon/yyyy:hh:mm:ss +zzzz] "request line" status bytes — nothing else, one line. */
const CLF =
  /^(\S+) (\S+) (\S+) \[(\d{2})\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-]\d{4})\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-)$/;

function parse(line: string) {
  const m = CLF.exec(line);
  assert.ok(m, `not a Common Log Format line: ${JSON.stringify(line)}`);
  return { host: m[1], ident: m[2], user: m[3], offset: m[10], request: m[11]!, status: Number(m[12]), bytes: m[13] };
}

function rawRequest(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.setEncoding('latin1').on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const readLines = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('Common Log Format', () => {
  it('formats a line exactly as the contract shows it', () => {
    const line = formatClfLine({
      host: '127.0.0.1',
      user: null,
      timeMs: Date.UTC(2025, 3, 10, 14, 32, 10),
      method: 'GET',
      url: '/index',
      httpVersion: '1.1',
      status: 200,
      bytes: 512,
    });
    assert.equal(line, '127.0.0.1 - - [10/Apr/2025:14:32:10 +0000] "GET /index HTTP/1.1" 200 512\n');
  });

  it('writes the time in UTC with its offset, zero-padded', () => {
    assert.equal(clfTime(Date.UTC(2026, 0, 2, 3, 4, 5)), '02/Jan/2026:03:04:05 +0000');
    // The last second is remembered: the next one, and an earlier one, are formatted afresh.
    assert.equal(clfTime(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), '02/Jan/2026:03:04:05 +0000');
    assert.equal(clfTime(Date.UTC(2026, 0, 2, 3, 4, 6)), '02/Jan/2026:03:04:06 +0000');
    assert.equal(clfTime(Date.UTC(1999, 11, 31, 23, 59, 59, 500)), '31/Dec/1999:23:59:59 +0000');
  });

  it('escapes quotes, backslashes, control and non-ASCII characters so no field can be forged', () => {
    assert.equal(clfEscape('a"b\\c\nd\re\tf'), 'a\\"b\\\\c\\x0ad\\x0de\\x09f');
    assert.equal(clfEscape('é'), '\\xe9');
    assert.equal(clfEscape('€'), '\\xe2\\x82\\xac');
    const forged = formatClfLine({
      host: '1.2.3.4',
      user: 'x y',
      timeMs: 0,
      method: 'GET',
      url: '/a" 200 1\n5.6.7.8 - - [x] "GET /b',
      httpVersion: '1.1',
      status: 404,
      bytes: 0,
    });
    assert.equal(forged.split('\n').length, 2, 'exactly one line and its newline');
    const parsed = parse(forged.trimEnd());
    assert.equal(parsed.status, 404);
    assert.equal(parsed.user, 'x\\x20y');
    assert.equal(parsed.bytes, '-');
  });
});

for (const dialect of await dialects()) {
  describe(`access log in the app (${dialect})`, () => {
    it('logs every request with its final status, the signed-in username and the exact body size', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const me = await h.inject({ method: 'GET', url: '/api/v1/me?x=1', headers: auth(alice) });
        const missing = await h.inject({ method: 'GET', url: '/no/such/page' });
        const bad = await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(alice), payload: { account_id: alice.accountId, amount: 1.5 } });
        await h.app.accessLog!.flush();
        const lines = readLines(path.join(h.dataDir, 'access.log'));
        const entries = lines.map(parse);
        // signup, token, me, 404, 400: one line each, in order.
        assert.equal(entries.length, 5);
        const [signup, token, meLine, missingLine, badLine] = entries;
        assert.equal(signup!.request, 'POST /api/v1/signup HTTP/1.1');
        assert.equal(signup!.status, 201);
        assert.equal(signup!.user, '-');
        assert.equal(token!.user, '-');
        assert.equal(meLine!.request, 'GET /api/v1/me?x=1 HTTP/1.1');
        assert.equal(meLine!.user, 'alice');
        assert.equal(meLine!.host, '127.0.0.1');
        assert.equal(meLine!.ident, '-');
        assert.equal(meLine!.offset, '+0000');
        assert.equal(meLine!.status, 200);
        assert.equal(Number(meLine!.bytes), Buffer.byteLength(me.body));
        assert.equal(missingLine!.status, 404);
        assert.equal(Number(missingLine!.bytes), Buffer.byteLength(missing.body));
        assert.equal(badLine!.status, 400);
        assert.equal(badLine!.user, 'alice');
        assert.equal(Number(badLine!.bytes), Buffer.byteLength(bad.body));
      });
    });

    it('takes the client address from X-Forwarded-For only when TRUST_PROXY names the proxy', async () => {
      const direct = await createHarness(dialect);
      const proxied = await createHarness(dialect, { config: { trustProxy: ['127.0.0.1'] } });
      try {
        const forwarded = { 'x-forwarded-for': '203.0.113.9' };
        await direct.inject({ method: 'GET', url: '/healthz', headers: forwarded });
        await proxied.inject({ method: 'GET', url: '/healthz', headers: forwarded });
        // The proxy itself at another address is not believed.
        await proxied.inject({ method: 'GET', url: '/readyz', headers: forwarded, remoteAddress: '198.51.100.7' });
        await direct.app.accessLog!.flush();
        await proxied.app.accessLog!.flush();
        assert.equal(parse(readLines(path.join(direct.dataDir, 'access.log'))[0]!).host, '127.0.0.1', 'a client cannot choose its address');
        const [viaProxy, notProxy] = readLines(path.join(proxied.dataDir, 'access.log')).map(parse);
        assert.equal(viaProxy!.host, '203.0.113.9');
        assert.equal(notProxy!.host, '198.51.100.7');
      } finally {
        await direct.close();
        await proxied.close();
      }
    });

    it('names the user of a web session as authuser', async () => {
      await withHarness(dialect, async (h) => {
        const { browser } = await signedIn(h, 'carol');
        const dashboard = await browser.get('/dashboard');
        assert.equal(dashboard.status, 200);
        await h.app.accessLog!.flush();
        const entries = readLines(path.join(h.dataDir, 'access.log')).map(parse);
        const line = entries.find((e) => e.request === 'GET /dashboard HTTP/1.1');
        assert.ok(line, 'the dashboard request is logged');
        assert.equal(line.user, 'carol');
        assert.equal(line.status, 200);
        assert.equal(Number(line.bytes), Buffer.byteLength(dashboard.body));
        assert.equal(entries.find((e) => e.request === 'GET /login HTTP/1.1')?.user, '-');
      });
    });

    it('counts the exact size of streamed bodies too (CSV export, static files)', async () => {
      await withHarness(dialect, async (h) => {
        const { browser, user } = await signedIn(h, 'dave');
        await h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(user), payload: { account_id: user.accountId, amount: 1234 } });
        const csv = await browser.get('/transactions.csv');
        assert.equal(csv.status, 200);
        assert.equal(csv.headers['content-length'], undefined, 'the CSV is streamed, its size unknown beforehand');
        const css = await h.inject({ method: 'GET', url: '/static/app.css' });
        assert.equal(css.statusCode, 200);
        await h.app.accessLog!.flush();
        const entries = readLines(path.join(h.dataDir, 'access.log')).map(parse);
        const csvLine = entries.find((e) => e.request === 'GET /transactions.csv HTTP/1.1');
        assert.ok(csvLine && Buffer.byteLength(csv.body) > 0);
        assert.equal(Number(csvLine.bytes), Buffer.byteLength(csv.body));
        assert.equal(csvLine.user, 'dave');
        assert.equal(Number(entries.find((e) => e.request === 'GET /static/app.css HTTP/1.1')?.bytes), css.rawPayload.byteLength);
      });
    });

    it('keeps a quote or a backslash sent raw in the request line inside one quoted field (newlines: see the format tests)', async () => {
      await withHarness(dialect, async (h) => {
        await h.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = h.app.server.address() as net.AddressInfo;
        // Sent raw, as an attacker would: no client library gets to percent-encode it.
        const answer = await rawRequest(port, Buffer.from('GET /evil"-"200"1\\x" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1'));
        assert.match(answer, /^HTTP\/1\.1 404 /);
        await h.inject({ method: 'GET', url: '/after' });
        await h.app.accessLog!.flush();
        const lines = readLines(path.join(h.dataDir, 'access.log'));
        assert.equal(lines.length, 2, lines.join('\n'));
        const evil = parse(lines[0]!);
        assert.equal(evil.request, 'GET /evil\\"-\\"200\\"1\\\\x\\" HTTP/1.1');
        assert.equal(evil.status, 404);
        assert.equal(parse(lines[1]!).request, 'GET /after HTTP/1.1');
      });
    });

    it('writes "-" for the size of a body-less answer and honours ACCESS_LOG=off', async () => {
      const h = await createHarness(dialect, { config: { accessLog: '' } });
      const off = await createHarness(dialect, { config: { accessLog: 'off' } });
      try {
        await h.inject({ method: 'HEAD', url: '/healthz' });
        await h.app.accessLog!.flush();
        const [head] = readLines(path.join(h.dataDir, 'access.log')).map(parse);
        assert.equal(head!.request, 'HEAD /healthz HTTP/1.1');
        assert.equal(head!.bytes, '-');
        await off.inject({ method: 'GET', url: '/healthz' });
        assert.equal(off.app.accessLog, null);
        assert.equal(fs.existsSync(path.join(off.dataDir, 'access.log')), false);
      } finally {
        await h.close();
        await off.close();
      }
    });
  });
}

describe('access log of the real server', () => {
  it('reopens the file on SIGHUP after logrotate moved it, and loses no line at shutdown', { timeout: 180_000 }, async () => {
    const dataDir = tempDataDir();
    let server: ChildServer | undefined;
    try {
      server = await startChildServer(childEnv(dataDir));
      const base = server.url;
      const bob = await signUpAndDeposit(base, 'bob', 1000);
      for (let i = 0; i < 5; i++) assert.equal((await api(base, 'GET', `/api/v1/me?before=${i}`, undefined, bob.token)).status, 200);
      // Wait until the buffered lines reached the file (the flush timer runs every second).
      const log = path.join(dataDir, 'access.log');
      for (let i = 0; i < 100 && !fs.readFileSync(log, 'utf8').includes('before=4'); i++) await new Promise((r) => setTimeout(r, 50));
      fs.renameSync(log, `${log}.1`);
      // Written to the moved file (the server still holds it open) until SIGHUP.
      assert.equal((await api(base, 'GET', '/api/v1/me?moved=1', undefined, bob.token)).status, 200);
      server.kill('SIGHUP');
      for (let i = 0; i < 100 && !server.stdout.some((l) => l.includes('access log reopened')); i++) await new Promise((r) => setTimeout(r, 50));
      const after = 40;
      await Promise.all(Array.from({ length: after }, (_, i) => api(base, 'GET', `/api/v1/me?after=${i}`, undefined, bob.token)));
      // No wait for the flush timer: shutdown itself must flush.
      server.kill('SIGTERM');
      assert.equal(await server.exited, 0);

      const rotated = readLines(`${log}.1`).map(parse);
      const current = readLines(log).map(parse);
      assert.ok(rotated.some((e) => e.request.includes('before=4')));
      assert.ok(
        [...rotated, ...current].some((e) => e.request.includes('moved=1')),
        'the line between the move and SIGHUP is kept',
      );
      assert.equal(current.filter((e) => e.request.includes('after=')).length, after, 'every request after SIGHUP is in the new file');
      assert.ok(current.every((e) => e.user === 'bob' && e.status === 200));
      assert.equal(rotated.filter((e) => e.request.includes('after=')).length, 0);
    } finally {
      await ensureStopped(server);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
