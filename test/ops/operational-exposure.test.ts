/**
 * Issue 11 class 14, the HTTP side: /metrics is not readable by strangers by default and exports no
 * exact amounts; /readyz cannot be used to load the database and /healthz never touches it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createHarness, dialects, type Harness, withHarness } from '../helpers/harness.js';

const STRANGER = '203.0.113.9';
const TOKEN = 'metrics-token-0123456789abcdef';

const scrapeFrom = (h: Harness, remoteAddress: string, headers: Record<string, string> = {}) =>
  h.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });

/** Counts the database checks (pings) the app makes while `work` runs. */
async function pingsDuring(h: Harness, work: () => Promise<unknown>): Promise<number> {
  const storage = h.app.ctx.storage as { ping: () => Promise<boolean> };
  const ping = storage.ping;
  let count = 0;
  storage.ping = () => {
    count++;
    return ping.call(storage);
  };
  try {
    await work();
  } finally {
    storage.ping = ping;
  }
  return count;
}

for (const dialect of await dialects()) {
  describe(`GET /metrics access (${dialect})`, () => {
    it('refuses a scrape from another machine by default with 403 and no metrics, and serves this machine', async () => {
      await withHarness(dialect, async (h) => {
        const stranger = await scrapeFrom(h, STRANGER);
        assert.equal(stranger.statusCode, 403);
        assert.equal(stranger.json().error.code, 'forbidden');
        assert.doesNotMatch(stranger.body, /minibank_|process_/);
        for (const local of ['127.0.0.1', '127.0.0.53', '::1', '::ffff:127.0.0.1']) {
          const res = await scrapeFrom(h, local);
          assert.equal(res.statusCode, 200, local);
          assert.match(res.body, /minibank_http_requests_total/);
        }
        for (const outsider of ['10.0.0.1', '::ffff:203.0.113.9', '2001:db8::1', '128.0.0.1']) {
          assert.equal((await scrapeFrom(h, outsider)).statusCode, 403, outsider);
        }
      });
    });

    it('refuses a loopback scrape that came through a proxy minibank does not trust (its real client is unknown)', async () => {
      await withHarness(dialect, async (h) => {
        const forwarded: Record<string, string>[] = [{ 'x-forwarded-for': STRANGER }, { forwarded: `for=${STRANGER}` }, { 'x-real-ip': STRANGER }];
        for (const headers of forwarded) {
          assert.equal((await scrapeFrom(h, '127.0.0.1', headers)).statusCode, 403, JSON.stringify(headers));
        }
      });
    });

    it('judges the forwarded client, not the trusted proxy, when TRUST_PROXY names the proxy', async () => {
      await withHarness(dialect, { config: { trustProxy: Object.freeze(['127.0.0.1']), metricsAllow: Object.freeze(['10.0.0.0/8']) } }, async (h) => {
        assert.equal((await scrapeFrom(h, '127.0.0.1', { 'x-forwarded-for': STRANGER })).statusCode, 403, 'a stranger behind the proxy');
        assert.equal((await scrapeFrom(h, '127.0.0.1', { 'x-forwarded-for': '10.1.2.3' })).statusCode, 200, 'an allowed scraper behind the proxy');
        assert.equal((await scrapeFrom(h, '127.0.0.1')).statusCode, 403, 'the proxy itself is not in METRICS_ALLOW');
      });
    });

    it('needs both an allowed address and the token when METRICS_TOKEN is set', async () => {
      await withHarness(dialect, { config: { metricsToken: TOKEN } }, async (h) => {
        const noToken = await scrapeFrom(h, '127.0.0.1');
        assert.equal(noToken.statusCode, 401);
        assert.equal(noToken.headers['www-authenticate'], 'Bearer realm="metrics"');
        assert.equal((await scrapeFrom(h, STRANGER, { authorization: `Bearer ${TOKEN}` })).statusCode, 403, 'the token does not open other addresses');
        assert.equal((await scrapeFrom(h, '127.0.0.1', { authorization: `Bearer ${TOKEN}` })).statusCode, 200);
      });
      await withHarness(dialect, { config: { metricsToken: TOKEN, metricsAllow: Object.freeze(['0.0.0.0/0', '::/0']) } }, async (open) => {
        assert.equal((await scrapeFrom(open, STRANGER)).statusCode, 401);
        assert.equal((await scrapeFrom(open, STRANGER, { authorization: `Bearer ${TOKEN}` })).statusCode, 200);
      });
    });

    it('exports movements by size range only: no exact amount or sum of amounts appears', async () => {
      await withHarness(dialect, async (h) => {
        const user = await h.user('sizes');
        await h.deposit(user, 123_457);
        await h.deposit(user, 7);
        const body = (await scrapeFrom(h, '127.0.0.1')).body;
        assert.doesNotMatch(body, /\b123457\b|\b123464\b/, 'neither the amount nor the sum');
        assert.match(body, /minibank_movements_by_size_total\{type="deposit",currency="USD",up_to="1000000"\} 1\n/);
        assert.match(body, /minibank_movements_by_size_total\{type="deposit",currency="USD",up_to="100"\} 1\n/);
        assert.doesNotMatch(body, /money_moved|minor_units_total/);
      });
    });
  });

  describe(`health probes and the database (${dialect})`, () => {
    it('answers 50 simultaneous /readyz probes with at most one database check, and checks again once READY_CACHE_MS has passed', async () => {
      let nowMs = Date.UTC(2025, 0, 1);
      await withHarness(dialect, { clock: { nowMs: () => nowMs } }, async (h) => {
        let statuses: number[] = [];
        const burst = await pingsDuring(h, async () => {
          statuses = (await Promise.all(Array.from({ length: 50 }, () => h.inject({ method: 'GET', url: '/readyz' })))).map((r) => r.statusCode);
        });
        assert.deepEqual(new Set(statuses), new Set([200]));
        assert.equal(burst, 1, `50 probes cost ${burst} database checks`);
        const cached = await pingsDuring(h, async () => {
          for (let i = 0; i < 20; i++) assert.equal((await h.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
        });
        assert.equal(cached, 0, 'probes within the interval reuse the check');
        nowMs += h.config.readyCacheMs;
        const next = await pingsDuring(h, async () => {
          for (let i = 0; i < 20; i++) await h.inject({ method: 'GET', url: '/readyz' });
        });
        assert.equal(next, 1, 'one check for the next interval');
      });
    });

    it('answers /healthz without any database work, even when the database is gone', async () => {
      const h = await createHarness(dialect);
      try {
        const queries = await pingsDuring(h, async () => {
          for (let i = 0; i < 30; i++) assert.equal((await h.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
        });
        assert.equal(queries, 0);
        await h.app.ctx.storage.close();
        assert.equal((await h.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
      } finally {
        await h.close().catch(() => {});
      }
    });
  });
}

describe('METRICS_ALLOW and READY_CACHE_MS settings', () => {
  it('default to loopback only and a one-second readiness cache, and refuse what is not an address or range', () => {
    const config = loadConfig({});
    assert.deepEqual(config.metricsAllow, ['127.0.0.0/8', '::1']);
    assert.equal(config.readyCacheMs, 1000);
    assert.deepEqual(loadConfig({ METRICS_ALLOW: '10.0.0.5, 192.168.0.0/16,fd00::/8' }).metricsAllow, ['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '10.0.0.0/8/1', 'any', '10.0.0.0/x']) {
      assert.throws(() => loadConfig({ METRICS_ALLOW: bad }), ConfigError, bad);
    }
  });
});
