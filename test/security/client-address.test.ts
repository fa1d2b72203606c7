/**
 * Issue 11 class 4: no setting lets a directly connected client choose its own address. TRUST_PROXY
 * refuses `on`, hop counts and /0 at start; a forged X-Forwarded-For from a peer that is not a listed
 * proxy changes nothing (request.ip, access log, audit trail, per-IP rate limit). Real sockets on
 * 127.0.0.1, so the address is the one the kernel reports, not one a test injects.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type net from 'node:net';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config.js';
import { createHarness, dialects, PASSWORD, type Harness } from '../helpers/harness.js';

const REFUSED = [
  ['on', 'trust every sender'],
  ['true', 'trust every sender'],
  ['yes', 'trust every sender'],
  ['1', 'hop count'],
  ['2', 'hop count'],
  ['0.0.0.0/0', 'every address'],
  ['::/0', 'every address'],
  ['127.0.0.1,0.0.0.0/0', 'every address'],
  ['10.0.0.0/33', 'prefix longer'],
  ['fd00::/129', 'prefix longer'],
  ['proxy.internal', 'list of proxy'],
  ['10.0.0.1/8/1', 'list of proxy'],
  ['10.0.0.1,', 'list of proxy'],
] as const;

describe('TRUST_PROXY setting (issue 11 class 4)', () => {
  it('refuses a hop count, trusting everyone and every malformed list, naming the setting', () => {
    for (const [raw, why] of REFUSED) {
      assert.throws(
        () => loadConfig({ TRUST_PROXY: raw }),
        (e: Error) => e.name === 'ConfigError' && e.message.startsWith('TRUST_PROXY') && e.message.includes(why),
        `TRUST_PROXY=${raw} must be refused (${why})`,
      );
    }
  });

  it('accepts off and lists of proxy addresses, ranges and proxy-addr names', () => {
    assert.equal(loadConfig({}).trustProxy, false, 'off by default');
    assert.equal(loadConfig({ TRUST_PROXY: 'off' }).trustProxy, false);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'loopback,uniquelocal' }).trustProxy, ['loopback', 'uniquelocal']);
  });
});

/** A harness listening on 127.0.0.1 with the per-IP auth limit at 3 and an access log. */
async function listening(dialect: Awaited<ReturnType<typeof dialects>>[number], trustProxy: Config['trustProxy']) {
  const h = await createHarness(dialect, { config: { trustProxy, rateLimits: true, rateLimitAuthPerMinute: 3, loginFreeFailures: 50 } });
  // Signed up from another address, so only the test's own requests count against 127.0.0.1.
  const signup = await h.app.inject({ method: 'POST', url: '/api/v1/signup', remoteAddress: '198.18.0.1', payload: { username: 'alice', password: PASSWORD } });
  assert.equal(signup.statusCode, 201);
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(h.app.server.address() as net.AddressInfo).port}`;
  const wrongPassword = (forwardedFor: string) =>
    fetch(`${url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ username: 'alice', password: `not ${PASSWORD}` }),
    });
  return { h, wrongPassword };
}

async function accessLogHosts(h: Harness, request: string): Promise<string[]> {
  await h.app.accessLog!.flush();
  const lines = fs.readFileSync(path.join(h.dataDir, 'access.log'), 'utf8').split('\n');
  return lines.filter((l) => l.includes(`"${request} HTTP/1.1"`)).map((l) => l.split(' ')[0]!);
}

async function auditIps(h: Harness, type: string): Promise<(string | null)[]> {
  const rows = await h.app.ctx.storage.db.selectFrom('security_events').select('ip').where('type', '=', type).orderBy('seq').execute();
  return rows.map((r) => r.ip);
}

for (const dialect of await dialects()) {
  describe(`the client address over real sockets (${dialect})`, () => {
    for (const [label, trustProxy] of [
      ['TRUST_PROXY off', false],
      ['TRUST_PROXY naming another proxy', ['192.0.2.10', '10.0.0.0/8']],
    ] as const) {
      it(`keeps a direct client's real address whatever X-Forwarded-For it forges (${label}): rate limit, access log and audit trail`, async () => {
        const { h, wrongPassword } = await listening(dialect, trustProxy);
        try {
          const statuses: number[] = [];
          for (let i = 0; i < 5; i++) statuses.push((await wrongPassword(`203.0.113.${i + 1}`)).status);
          assert.deepEqual(statuses, [401, 401, 401, 429, 429], 'rotating the header does not reset the per-IP count');
          assert.deepEqual(await accessLogHosts(h, 'POST /api/v1/auth/token'), Array(5).fill('127.0.0.1'));
          const audited = await auditIps(h, 'login_failed');
          assert.ok(audited.length >= 1, 'the failed logins are audited');
          assert.deepEqual(audited, Array(audited.length).fill('127.0.0.1'));
        } finally {
          await h.close();
        }
      });
    }

    it('takes the forwarded address from a listed proxy, and each client behind it has its own limit', async () => {
      const { h, wrongPassword } = await listening(dialect, ['127.0.0.1']);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) statuses.push((await wrongPassword('203.0.113.7')).status);
        assert.deepEqual(statuses, [401, 401, 401, 429]);
        assert.equal((await wrongPassword('203.0.113.8')).status, 401, 'another client behind the same proxy');
        assert.deepEqual(await accessLogHosts(h, 'POST /api/v1/auth/token'), [...Array(4).fill('203.0.113.7'), '203.0.113.8']);
        const audited = await auditIps(h, 'login_failed');
        assert.ok(audited.length >= 2);
        assert.deepEqual(new Set(audited), new Set(['203.0.113.7', '203.0.113.8']));
      } finally {
        await h.close();
      }
    });

    it('behind a listed proxy, believes only the hop the proxy added, not what the client put before it', async () => {
      const { h, wrongPassword } = await listening(dialect, ['127.0.0.1', '10.0.0.2']);
      try {
        // The client sent "X-Forwarded-For: 198.51.100.66"; the proxy appended the address it saw.
        await wrongPassword('198.51.100.66, 203.0.113.9');
        // Two listed proxies in a row: the chain is followed through both.
        await wrongPassword('198.51.100.66, 203.0.113.10, 10.0.0.2');
        // A hop that is not listed stops the walk: that hop is the client.
        await wrongPassword('198.51.100.66, 10.0.0.3');
        assert.deepEqual(await accessLogHosts(h, 'POST /api/v1/auth/token'), ['203.0.113.9', '203.0.113.10', '10.0.0.3']);
      } finally {
        await h.close();
      }
    });
  });
}
