import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger, securityEvent } from '../../src/http/logger.js';
import { createTempPgDatabase } from '../helpers/postgres.js';
import { dialects, TEST_SECRET } from '../helpers/harness.js';

function capture() {
  const chunks: string[] = [];
  return { chunks, destination: { write: (s: string) => void chunks.push(s) }, text: () => chunks.join('') };
}

describe('log redaction (unit)', () => {
  it('censors secrets by key in anything logged, however deep, and keeps the rest', () => {
    const out = capture();
    const log = createLogger({ logLevel: 'trace', logPretty: false }, { destination: out.destination });
    log.info(
      {
        req: { headers: { authorization: 'Bearer tok-SECRET-1', cookie: 'sid=cookie-SECRET-2', 'x-csrf-token': 'csrf-SECRET-3', 'user-agent': 'curl/8' } },
        res: { headers: { 'set-cookie': 'sid=cookie-SECRET-4' } },
        body: { username: 'alice', password: 'pw-SECRET-5', new_password: 'pw-SECRET-6', _csrf: 'csrf-SECRET-7' },
        access_token: 'tok-SECRET-8',
      },
      'something happened',
    );
    securityEvent(log, {
      type: 'login_failed',
      userId: null,
      client: { ip: '10.0.0.1', userAgent: 'curl/8' },
      details: { password: 'pw-SECRET-9', token: 'tok-SECRET-10' },
      atMs: 0,
    });
    const text = out.text();
    for (let i = 1; i <= 10; i++) assert.doesNotMatch(text, new RegExp(`SECRET-${i}\\b`));
    const [first, second] = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(first.body.username, 'alice');
    assert.equal(first.req.headers['user-agent'], 'curl/8');
    assert.equal(first.body.password, '[redacted]');
    assert.equal(second.event, 'security');
    assert.equal(second.security.type, 'login_failed');
    assert.equal(second.level, 40, 'a failure is a warning');
    assert.equal(second.security.client.ip, '10.0.0.1');
  });

  it('censors errors, child bindings, format arguments, arrays and deep objects without touching the caller', () => {
    const out = capture();
    const log = createLogger({ logLevel: 'trace', logPretty: false }, { destination: out.destination });
    const failure = Object.assign(new Error('upstream refused', { cause: new Error('inner') }), {
      config: { headers: { Authorization: 'Bearer tok-SECRET-21' } },
      status: 502,
    });
    log.error({ err: failure }, 'call failed');
    log.error(failure);
    const logged = { list: [{ token: 'tok-SECRET-22' }, 'plain'], a: { b: { c: { d: { e: { password: 'pw-SECRET-23' } } } } } };
    log.info(logged, 'deep');
    log
      .child({ reqId: 'r-1', session: { csrf_token: 'csrf-SECRET-24' } })
      .child({ cookie: 'sid=cookie-SECRET-25' })
      .info('from a child');
    log.info('formatted %o', { secret: 'SECRET-26' });
    const loop: Record<string, unknown> = { name: 'loop', password: 'pw-SECRET-27' };
    loop.self = loop;
    log.info({ loop }, 'circular');

    const text = out.text();
    for (let i = 21; i <= 27; i++) assert.doesNotMatch(text, new RegExp(`SECRET-${i}\\b`));
    const [withErr, bareErr, deep, child, , circular] = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // Errors keep what pino's serializer prints: type, message with causes, stack, other fields.
    for (const line of [withErr, bareErr]) {
      assert.equal(line.err.type, 'Error');
      assert.match(line.err.message, /upstream refused/);
      assert.match(line.err.stack, /upstream refused/);
      assert.equal(line.err.status, 502);
      assert.equal(line.err.config.headers.Authorization, '[redacted]');
    }
    assert.equal(bareErr.msg, 'upstream refused');
    assert.deepEqual(deep.list, [{ token: '[redacted]' }, 'plain']);
    assert.equal(deep.a.b.c.d.e.password, '[redacted]');
    assert.equal(child.reqId, 'r-1');
    assert.equal(child.session.csrf_token, '[redacted]');
    assert.equal(child.cookie, '[redacted]');
    assert.equal(circular.loop.name, 'loop');
    assert.equal(circular.loop.self, '[Circular]');
    // The objects the caller logged are unchanged.
    assert.equal(logged.list[0]!.constructor, Object);
    assert.equal((logged.list[0] as { token: string }).token, 'tok-SECRET-22');
    assert.equal(failure.config.headers.Authorization, 'Bearer tok-SECRET-21');
    assert.equal(loop.password, 'pw-SECRET-27');
  });

  it('writes human-readable lines only when LOG_PRETTY asks for them, still redacted', async () => {
    const json = capture();
    createLogger({ logLevel: 'info', logPretty: false }, { destination: json.destination }).info({ password: 'pw-SECRET-11' }, 'hello');
    assert.equal(JSON.parse(json.text()).msg, 'hello');
    const chunks: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => void (chunks.push(String(chunk)), done()) });
    createLogger({ logLevel: 'info', logPretty: true }, { destination: sink as unknown as DestinationStream }).info({ password: 'pw-SECRET-12' }, 'hello');
    await new Promise((r) => setImmediate(r));
    const pretty = chunks.join('');
    assert.match(pretty, /INFO.*hello/);
    assert.throws(() => JSON.parse(pretty));
    assert.doesNotMatch(pretty, /SECRET-12/);
  });
});

for (const dialect of await dialects()) {
  describe(`request logs (${dialect})`, () => {
    it('never contain the password, the bearer token, the cookie or the CSRF value of a request', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-redact-'));
      const pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
      const out = capture();
      const config = loadConfig({}, { dataDir, secret: TEST_SECRET, databaseUrl: pg?.url ?? '', logLevel: 'trace' });
      const app = await buildApp({ config, logger: createLogger(config, { destination: out.destination }) });
      try {
        const password = 'correct horse battery staple 4471';
        const wrongPassword = 'incorrect mule battery staple 9913';
        const cookie = 'sid=cookievalue8c1f9e2a';
        const csrf = 'csrftoken5b7d3f1e';
        assert.equal((await app.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: 'alice', password } })).statusCode, 201);
        const login = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password } });
        const token = login.json().access_token as string;
        assert.equal(
          (await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: wrongPassword } })).statusCode,
          401,
        );
        const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}`, cookie, 'x-csrf-token': csrf } });
        assert.equal(me.statusCode, 200);
        // A broken body that still carries the password, and a form post with a CSRF field.
        await app.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          headers: { 'content-type': 'application/json' },
          payload: `{"username":"alice","password":"${password}"`,
        });
        await app.inject({
          method: 'POST',
          url: '/login',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
          payload: `username=alice&password=${encodeURIComponent(password)}&_csrf=${csrf}`,
        });
        await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { authorization: `Bearer ${token}`, cookie } });

        const text = out.text();
        assert.match(text, /"msg":"request completed"/, 'the capture saw the request lines');
        assert.match(text, /"route":"\/api\/v1\/me"/);
        assert.match(text, /"event":"security","security":\{"type":"login_failed"/, 'audit events reach the log');
        for (const secret of [password, wrongPassword, token, 'cookievalue8c1f9e2a', csrf, encodeURIComponent(password)]) {
          assert.equal(text.includes(secret), false, `a secret leaked into the log: ${secret.slice(0, 12)}…`);
        }
        for (const line of text.trim().split('\n')) {
          const entry = JSON.parse(line);
          if (entry.msg === 'request completed' || entry.msg === 'request failed') {
            assert.equal(typeof entry.reqId, 'string');
            assert.equal(typeof entry.durationMs, 'number');
            assert.equal(typeof entry.status, 'number');
          }
        }
      } finally {
        await app.close();
        await pg?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
