/**
 * The /holds page (issue 14 items 2 and 4), on every dialect: hold money for someone with the form
 * (idempotency key, CSRF, POST-redirect-GET), see it on both sides and on the payer's dashboard,
 * take part of it, release another; refusals are shown beside their field and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHarness, dialects, ledgerSnapshot, type Harness } from '../helpers/harness.js';
import { Browser, signedIn } from './browser.js';

const holdIds = (body: string, testid: string) =>
  [...body.matchAll(new RegExp(`data-testid="${testid}" data-hold-id="([^"]+)" data-status="([^"]+)"`, 'g'))].map((m) => ({ id: m[1]!, status: m[2]! }));

/** The ledger and every hold row with the accounts' held amounts. */
async function snapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const holds = await db.selectFrom('holds').selectAll().orderBy('id').execute();
  const held = await db.selectFrom('accounts').select(['id', 'held']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify({ holds, held }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

for (const dialect of await dialects()) {
  describe(`/holds page (${dialect})`, () => {
    let h: Harness;
    let alice: Browser;
    let bob: Browser;

    before(async () => {
      h = await createHarness(dialect);
      const signed = await signedIn(h, 'alice');
      alice = signed.browser;
      await h.deposit(signed.user, 10_000);
      ({ browser: bob } = await signedIn(h, 'bob'));
    });
    after(async () => h.close());

    it('holds money with the form once, however often it is sent, and shows it to both and on the dashboard', async () => {
      const page = await alice.get('/holds');
      assert.equal(page.status, 200);
      assert.match(page.body, /id="nav-holds" aria-current="page"/);
      const form = { to: 'bob', amount: '30.00', memo: 'bike <deposit>', expires_in: '86400', idempotency_key: alice.formKey() };
      const first = await alice.post('/holds', form);
      assert.equal(first.status, 303, first.body.slice(0, 400));
      assert.equal(first.location, '/holds');
      const again = await alice.post('/holds', form);
      assert.equal(again.status, 303, 'a double submit replays');
      const mine = await alice.get('/holds');
      assert.match(mine.body, /Holding \$30\.00 for bob\./);
      assert.deepEqual(
        holdIds(mine.body, 'hold-paying').map((x) => x.status),
        ['pending'],
      );
      assert.match(mine.body, /bike &lt;deposit&gt;/);
      const dashboard = await alice.get('/dashboard');
      assert.match(dashboard.body, /data-testid="balance">\$100\.00</);
      assert.match(dashboard.body, /data-testid="available-balance">Free to spend: <strong>\$70\.00<\/strong>/);
      const his = await bob.get('/holds');
      assert.equal(holdIds(his.body, 'hold-receiving').length, 1);
      const send = await alice.get('/transfer');
      assert.match(send.body, /data-testid="balance">\$70\.00</, 'the send form shows what is free to spend');
      const before = await snapshot(h);
      const review = await alice.post('/transfer', { to: 'bob', amount: '70.01', idempotency_key: alice.formKey(), step: 'review' });
      assert.equal(review.status, 422, 'the review step refuses more than the available balance');
      assert.match(review.body, /Your available balance is \$70\.00/);
      assert.equal(await snapshot(h), before);
    });

    it('refuses bad forms beside the field and a form without its CSRF token, changing nothing', async () => {
      await alice.get('/holds');
      const before = await snapshot(h);
      for (const [fields, status, field] of [
        [{ to: 'alice', amount: '1' }, 422, 'to'],
        [{ to: 'nobody-here', amount: '1' }, 404, 'to'],
        [{ to: 'bob', amount: '1.234' }, 400, 'amount'],
        [{ to: 'bob', amount: '70.01' }, 422, 'amount'],
        [{ to: 'bob', amount: '1', expires_in: '59' }, 400, 'expires_in'],
        [{ to: '', amount: '1' }, 400, 'to'],
      ] as const) {
        const res = await alice.post('/holds', { idempotency_key: alice.formKey(), ...fields });
        assert.equal(res.status, status, `${JSON.stringify(fields)}: ${res.body.slice(0, 300)}`);
        assert.match(res.body, new RegExp(`id="${field}-error"`));
        assert.match(res.body, /id="error-summary"/);
      }
      const missingCsrf = await alice.post('/holds', { to: 'bob', amount: '1', idempotency_key: alice.formKey(), _csrf: '' });
      assert.equal(missingCsrf.status, 403);
      assert.equal(await snapshot(h), before);
    });

    it('lets the payee take part of a hold (the rest comes back) and release another; the payer cannot', async () => {
      await alice.get('/holds');
      assert.equal((await alice.post('/holds', { to: 'bob', amount: '5', idempotency_key: alice.formKey() })).status, 303);
      const [first, second] = holdIds((await bob.get('/holds')).body, 'hold-receiving').filter((x) => x.status === 'pending');
      assert.ok(first && second);
      const before = await snapshot(h);
      await alice.get('/holds');
      const byPayer = await alice.post(`/holds/${first.id}/capture`, { amount: '' });
      assert.equal(byPayer.status, 404);
      assert.equal(await snapshot(h), before);
      await bob.get('/holds');
      const tooMuch = await bob.post(`/holds/${second.id}/capture`, { amount: '999' });
      assert.equal(tooMuch.status, 422);
      assert.equal(await snapshot(h), before);
      const took = await bob.follow(bob.post(`/holds/${second.id}/capture`, { amount: '12.50' }));
      assert.match(took.body, /Received \$12\.50\./);
      const released = await bob.follow(bob.post(`/holds/${first.id}/void`, {}));
      assert.match(released.body, /Released the hold of \$5\.00\./);
      const statuses = Object.fromEntries(holdIds(released.body, 'hold-receiving').map((x) => [x.id, x.status]));
      assert.equal(statuses[second.id], 'captured');
      assert.equal(statuses[first.id], 'voided');
      const again = await bob.post(`/holds/${first.id}/void`, {});
      assert.equal(again.status, 409);
      const dashboard = await alice.get('/dashboard');
      assert.match(dashboard.body, /data-testid="balance">\$87\.50</);
      assert.doesNotMatch(dashboard.body, /available-balance/, 'nothing is on hold any more');
    });
  });
}
