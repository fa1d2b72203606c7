import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { purgeExpired } from '../../src/app/purge-expired.js';
import { createHarness, dialects, ledgerSnapshot, withHarness } from '../helpers/harness.js';
import { anotherBrowser, HOUR, manualClock, MINUTE, signedIn } from './browser.js';

const DAY = 24 * HOUR;

const chartRows = (body: string) =>
  [...body.matchAll(/<tr><td><time datetime="([^"]+)">[^<]*<\/time><\/td><td class="num">([^<]+)<\/td><\/tr>/g)].map((m) => [m[1], m[2]]);

for (const dialect of await dialects()) {
  describe(`dashboard (${dialect})`, () => {
    it('draws the last 30 days of balances, with the same figures as a table', async () => {
      const clock = manualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
      await withHarness(dialect, { clock }, async (h) => {
        await h.user('charted');
        // Each step signs in afresh: sessions and API tokens do not survive weeks of clock.
        const move = async (path: string, amount: string) => {
          const browser = await anotherBrowser(h, 'charted');
          await browser.get(path);
          assert.equal((await browser.post(path, { amount, idempotency_key: browser.formKey() })).status, 303);
        };
        await move('/deposit', '1000'); // 40 days ago: before the window, so the opening balance
        clock.advance(35 * DAY);
        await move('/deposit', '500'); // five days ago
        clock.advance(3 * DAY);
        await move('/withdraw', '300'); // two days ago
        clock.advance(2 * DAY);
        const page = await (await anotherBrowser(h, 'charted')).get('/dashboard');
        assert.equal(page.status, 200);
        const rows = chartRows(page.body);
        assert.equal(rows.length, 30);
        assert.equal(rows[0]![1], '$1,000.00', 'the opening balance carries into the window');
        assert.equal(rows[24]![1], '$1,000.00');
        assert.equal(rows[25]![1], '$1,500.00', 'the deposit five days ago');
        assert.equal(rows[28]![1], '$1,200.00', 'the withdrawal two days ago');
        assert.equal(rows[29]![1], '$1,200.00');
        assert.match(
          page.body,
          /<desc id="chart-desc">Balance over the last 30 days: \$1,000\.00 on [A-Z][a-z]{2} \d+, \$1,200\.00 now; highest \$1,500\.00\.<\/desc>/,
        );
        const line = /d="(M[^"]+)" class="chart-line"/.exec(page.body)?.[1];
        assert.ok(line);
        const points = line
          .split(/ ?[ML]/)
          .filter(Boolean)
          .map((p) => p.split(' ').map(Number));
        assert.equal(points.length, 31);
        const ys = points.map((p) => p[1]!);
        assert.ok(ys[26]! < ys[25]!, 'the line rises with the deposit');
        assert.ok(ys[29]! > ys[26]!, 'and falls with the withdrawal');
        assert.equal(Math.min(...ys), ys[26], 'the highest balance is drawn highest');
      });
    });

    it('shows balances and takes amounts in the account currency', async () => {
      await withHarness(dialect, { config: { currency: 'JPY' } }, async (h) => {
        const { browser, user } = await signedIn(h, 'yen');
        await browser.get('/deposit');
        const fraction = await browser.post('/deposit', { amount: '12.5', idempotency_key: browser.formKey() });
        assert.equal(fraction.status, 400);
        assert.match(fraction.body, /JPY has no fractional part/);
        assert.equal((await browser.post('/deposit', { amount: '1,250', idempotency_key: browser.formKey() })).status, 303);
        assert.equal(await h.balance(user.accountId), 1250n);
        const page = await browser.get('/dashboard');
        assert.match(page.body, /data-testid="balance">¥1,250</);
        const csv = await browser.get('/transactions.csv');
        assert.match(csv.body, /,deposit,credit,1250,1250,JPY,/);
      });
    });

    it('answers a failure half-way through a form with a friendly 500 page, a request id and nothing moved', async () => {
      const h = await createHarness(dialect, {
        faults: {
          afterDebit() {
            throw new Error('disk on fire');
          },
        },
      });
      try {
        const { browser } = await signedIn(h, 'unlucky');
        await browser.get('/deposit');
        const before = await ledgerSnapshot(h.app);
        const page = await browser.post('/deposit', { amount: '5', idempotency_key: browser.formKey() });
        assert.equal(page.status, 500);
        assert.match(String(page.headers['content-type']), /^text\/html/);
        assert.match(page.body, /Something went wrong/);
        assert.match(page.body, /data-testid="request-id">[0-9a-f-]{36}</);
        assert.doesNotMatch(page.body, /disk on fire|at .*\.ts:\d+/);
        assert.equal(await ledgerSnapshot(h.app), before);
      } finally {
        await h.close();
      }
    });

    it('purges sessions past their limits in the hourly housekeeping', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        await signedIn(h, 'sweeper');
        const count = async () => (await h.app.ctx.storage.db.selectFrom('sessions').select('id_hash').execute()).length;
        await purgeExpired(h.app.ctx);
        assert.equal(await count(), 1, 'a live session stays');
        clock.advance(31 * MINUTE);
        await purgeExpired(h.app.ctx);
        assert.equal(await count(), 0, 'an idle one goes');
      });
    });
  });
}
