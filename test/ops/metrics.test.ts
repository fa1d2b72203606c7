import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { followLedger } from '../../src/app/follow-ledger.js';
import { auth, createHarness, dialects, PASSWORD, type Harness, withHarness } from '../helpers/harness.js';
import { anotherBrowser, signedIn } from '../pages/browser.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a HELP, a TYPE or a sample
 * `name{label="value",...} number`; every sample belongs to a declared family. Throws otherwise.
 */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
  const sampleLine = new RegExp(
    `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*)?,?\\})? ([+-]?(?:\\d+(?:\\.\\d+)?(?:e[+-]?\\d+)?|[Ii][Nn][Ff]|[Nn][Aa][Nn]))(?: -?\\d+)?$`,
  );
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        assert.equal(families.has(meta[2]!), false, `family declared twice: ${meta[2]}`);
        families.set(meta[2]!, meta[3]!);
      }
      continue;
    }
    assert.equal(line.startsWith('#'), false, `stray comment: ${line}`);
    const m = sampleLine.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    const name = m[1]!;
    const family = [...families.keys()].find((f) => name === f || /^(_bucket|_sum|_count|_total|_created)$/.test(name.slice(f.length)));
    assert.ok(family, `sample without a TYPE: ${name}`);
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    // Values are Go floats, as Prometheus parses them: NaN and Inf in any case.
    const raw = m[3]!.toLowerCase();
    samples.push({ name, labels, value: raw.endsWith('nan') ? NaN : raw.endsWith('inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw) });
  }
  return samples;
}

async function scrape(h: Harness, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await h.inject({ method: 'GET', url: '/metrics', headers });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(res.body);
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);

for (const dialect of await dialects()) {
  describe(`GET /metrics (${dialect})`, () => {
    it('moves the counters after a transfer, a failed login and a 429, in valid Prometheus text', async () => {
      await withHarness(dialect, { config: { rateLimits: true, rateLimitAuthPerMinute: 6 } }, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(alice, 5000);
        const before = await scrape(h);

        const transfer = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: auth(alice),
          payload: { from_account_id: alice.accountId, to: 'bob', amount: 1250 },
        });
        assert.equal(transfer.statusCode, 201);
        const refused = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: auth(bob),
          payload: { from_account_id: bob.accountId, to: 'alice', amount: 999_999 },
        });
        assert.equal(refused.statusCode, 422);
        const failedLogin = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: 'not the password at all' } });
        assert.equal(failedLogin.statusCode, 401);
        let limited = 0;
        for (let i = 0; i < 10 && limited === 0; i++) {
          const res = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'bob', password: PASSWORD } });
          if (res.statusCode === 429) limited++;
        }
        assert.equal(limited, 1, 'the auth rate limit answered 429');
        const forged = await h.inject({
          method: 'POST',
          url: '/logout',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: '_csrf=forged',
        });
        assert.equal(forged.statusCode, 403);
        const after = await scrape(h);

        const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
        assert.equal(delta('minibank_transactions_total', { type: 'transfer', outcome: 'ok', currency: 'USD' }), 1);
        assert.equal(delta('minibank_transactions_total', { type: 'transfer', outcome: 'insufficient_funds' }), 1);
        // Sizes by range only (12.50 is in the range up to 100.00): no exact amount is exported.
        assert.equal(delta('minibank_movements_by_size_total', { type: 'transfer', currency: 'USD', up_to: '10000' }), 1);
        assert.equal(value(after, 'minibank_movements_by_size_total', { type: 'deposit', currency: 'USD', up_to: '10000' }), 1);
        assert.equal(
          after.some((s) => /money|amount|minor_units/.test(s.name)),
          false,
          'no family sums amounts',
        );
        assert.equal(delta('minibank_logins_total', { outcome: 'failure' }), 1);
        assert.ok(delta('minibank_logins_total', { outcome: 'success' }) >= 1);
        assert.equal(delta('minibank_rate_limited_total'), 1);
        assert.equal(delta('minibank_csrf_rejected_total'), 1);
        assert.equal(delta('minibank_security_events_total', { type: 'login_failed' }), 1, 'audit events are counted');
        assert.equal(delta('minibank_http_requests_total', { method: 'POST', route: '/api/v1/transfers', status: '201' }), 1);
        assert.equal(delta('minibank_http_requests_total', { route: '/api/v1/auth/token', status: '429' }), 1);
        assert.equal(delta('minibank_http_request_duration_seconds_count', { route: '/api/v1/transfers', status: '422' }), 1);
        assert.ok(delta('minibank_db_query_duration_seconds_count', { kind: 'update', outcome: 'ok' }) >= 2, 'the transfer updated two balances');
        assert.equal(value(after, 'minibank_ready'), 1);
        assert.ok(after.some((s) => s.name === 'minibank_active_sessions'));
        assert.ok(after.some((s) => s.name === 'nodejs_eventloop_lag_seconds'));
        assert.ok(after.some((s) => s.name === 'process_cpu_user_seconds_total'));
        if (dialect === 'postgres') assert.equal(value(after, 'minibank_db_pool_connections', { state: 'max' }), h.config.dbPoolSize);
        // Route templates, never raw ids, so the label set stays bounded.
        assert.equal(
          after.some((s) => s.labels.route?.includes(alice.accountId)),
          false,
        );
      });
    });

    it('counts every statement of N transfers in minibank_db_query_duration_seconds, by kind, with consistent buckets (issue 17 item 4)', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 100_000);
        const seen = new Map<string, number>();
        const before = await scrape(h);
        const stop = h.app.ctx.storage.observeQueries((q) => {
          const key = `${q.kind} ${q.failed ? 'error' : 'ok'}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        });
        const N = 7;
        try {
          const sent = await Promise.all(
            Array.from({ length: N }, () =>
              h.inject({
                method: 'POST',
                url: '/api/v1/transfers',
                headers: auth(alice),
                payload: { from_account_id: alice.accountId, to: 'bob', amount: 10 },
              }),
            ),
          );
          for (const res of sent) assert.equal(res.statusCode, 201, res.body);
        } finally {
          stop();
        }
        const after = await scrape(h);
        const family = 'minibank_db_query_duration_seconds';
        assert.ok(seen.size > 0);
        assert.ok((seen.get('update ok') ?? 0) >= N, `the balances move on every transfer: ${JSON.stringify([...seen])}`);
        for (const [key, count] of seen) {
          const [kind, outcome] = key.split(' ') as [string, string];
          const labels = { kind, outcome };
          const delta = (name: string) => value(after, name, labels) - value(before, name, labels);
          // The first scrape counts live sessions (a select) after reading the histogram: it shows in the second.
          const scrapeSelect = key === 'select ok' ? 1 : 0;
          assert.equal(delta(`${family}_count`), count + scrapeSelect, `${key}: every statement counted once`);
          const buckets = after.filter((s) => s.name === `${family}_bucket` && s.labels.kind === kind && s.labels.outcome === outcome);
          assert.equal(buckets.at(-1)?.labels.le, '+Inf');
          assert.equal(buckets.at(-1)?.value, value(after, `${family}_count`, labels), '+Inf holds every statement');
          for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'buckets are cumulative');
          assert.ok(delta(`${family}_sum`) >= 0);
        }
      });
    });

    it('reports each tick of the after-commit work: what it sealed and noticed, and the time it spent (issues 16 and 18)', async () => {
      await withHarness(dialect, async (h) => {
        const [alice] = [await h.user('alice'), await h.user('bob')];
        await h.deposit(alice, 5000);
        for (const amount of [100, 200]) {
          const res = await h.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers: auth(alice),
            payload: { from_account_id: alice.accountId, to: 'bob', amount },
          });
          assert.equal(res.statusCode, 201, res.body);
        }
        const before = await scrape(h);
        await followLedger(h.app.ctx);
        const after = await scrape(h);
        const delta = (name: string, labels: Record<string, string>) => value(after, name, labels) - value(before, name, labels);
        // The deposit and the two transfers are sealed; bob is told of both transfers (alice chose no "sent" threshold).
        assert.equal(delta('minibank_ledger_followed_total', { work: 'seal' }), 3);
        assert.equal(delta('minibank_ledger_followed_total', { work: 'notices' }), 2);
        for (const work of ['seal', 'notices']) {
          assert.equal(delta('minibank_ledger_follow_seconds_count', { work }), 1, `one ${work} observation per tick`);
          const seconds = delta('minibank_ledger_follow_seconds_sum', { work });
          assert.ok(seconds > 0 && seconds < 30, `${work} took ${seconds} s`);
        }

        // An idle tick is observed too (its one read), and counts nothing.
        await followLedger(h.app.ctx);
        const idle = await scrape(h);
        assert.equal(value(idle, 'minibank_ledger_followed_total', { work: 'seal' }), value(after, 'minibank_ledger_followed_total', { work: 'seal' }));
        assert.equal(
          value(idle, 'minibank_ledger_follow_seconds_count', { work: 'seal' }),
          value(after, 'minibank_ledger_follow_seconds_count', { work: 'seal' }) + 1,
        );
      });
    });

    it('keeps following the ledger when reporting to the metrics throws', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        await h.deposit(alice, 5000);
        const broken = {
          ...h.app.ctx.observer!,
          ledgerFollowed: () => {
            throw new Error('metrics down');
          },
        };
        const outcome = await followLedger({ ...h.app.ctx, observer: broken });
        assert.equal(outcome.sealed.sealed, 1, 'the deposit was sealed all the same');
        assert.ok(outcome.sealed.workMs > 0);
      });
    });

    it('counts the web sessions that are open at scrape time', async () => {
      await withHarness(dialect, async (h) => {
        assert.equal(value(await scrape(h), 'minibank_active_sessions'), 0);
        const { browser } = await signedIn(h, 'dora');
        await anotherBrowser(h, 'dora');
        assert.equal(value(await scrape(h), 'minibank_active_sessions'), 2);
        await browser.get('/dashboard');
        assert.equal((await browser.post('/logout', {})).status, 303);
        assert.equal(value(await scrape(h), 'minibank_active_sessions'), 1);
      });
    });

    it('counts a request for an unknown path under one label', async () => {
      await withHarness(dialect, async (h) => {
        await h.inject({ method: 'GET', url: '/nothing/here/12345' });
        const samples = await scrape(h);
        assert.equal(value(samples, 'minibank_http_requests_total', { route: 'unmatched', status: '404' }), 1);
      });
    });

    it('asks for the METRICS_TOKEN when one is set', async () => {
      const token = 'metrics-token-0123456789abcdef';
      await withHarness(dialect, { config: { metricsToken: token } }, async (h) => {
        const missing = await h.inject({ method: 'GET', url: '/metrics' });
        assert.equal(missing.statusCode, 401);
        assert.equal(missing.json().error.code, 'unauthenticated');
        assert.equal((await h.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401);
        assert.ok((await scrape(h, { authorization: `Bearer ${token}` })).length > 0);
      });
    });
  });

  describe(`health checks (${dialect})`, () => {
    it('answers /healthz and /readyz while the database answers, and 503 unavailable once draining or the database is gone', async () => {
      let nowMs = Date.UTC(2025, 0, 1);
      const h = await createHarness(dialect, { clock: { nowMs: () => nowMs } });
      try {
        assert.deepEqual((await h.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
        assert.deepEqual((await h.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
        h.app.lifecycle.draining = true;
        const draining = await h.inject({ method: 'GET', url: '/readyz' });
        assert.equal(draining.statusCode, 503);
        assert.equal(draining.json().error.code, 'unavailable');
        assert.equal(typeof draining.json().error.request_id, 'string');
        assert.equal((await h.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'alive while draining');
        h.app.lifecycle.draining = false;
        // The database goes away under the app; the cached check expires (READY_CACHE_MS).
        await h.app.ctx.storage.close();
        nowMs += h.config.readyCacheMs + 1;
        const down = await h.inject({ method: 'GET', url: '/readyz' });
        assert.equal(down.statusCode, 503);
        assert.equal(down.json().error.code, 'unavailable');
      } finally {
        await h.close().catch(() => {});
      }
    });
  });
}
