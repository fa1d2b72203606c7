/**
 * The /requests page (issue 14 item 4), on every dialect: ask for money with the form, see it on
 * both sides, pay it through the review step (idempotency key, CSRF, POST-redirect-GET), decline and
 * cancel. Every refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, dialects, ledgerSnapshot, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';
import { anotherBrowser, Browser, signedIn } from './browser.js';

const requestIds = (body: string, testid: string) =>
  [...body.matchAll(new RegExp(`data-testid="${testid}" data-request-id="([^"]+)" data-status="([^"]+)"`, 'g'))].map((m) => ({ id: m[1]!, status: m[2]! }));

for (const dialect of await dialects()) {
  describe(`/requests page (${dialect})`, () => {
    let h: Harness;
    let alice: Browser;
    let bob: Browser;
    let bobUser: TestUser;

    before(async () => {
      h = await createHarness(dialect);
      ({ browser: alice } = await signedIn(h, 'alice'));
      const signed = await signedIn(h, 'bob');
      bob = signed.browser;
      bobUser = signed.user;
      await h.deposit(signed.user, 50_000);
    });
    after(async () => h.close());

    it('asks for money with the form (303 back with a note) and shows the request on both sides; nothing moves', async () => {
      const before = await ledgerSnapshot(h.app);
      const page = await alice.get('/requests');
      assert.equal(page.status, 200);
      assert.match(page.body, /id="nav-requests" aria-current="page"/);
      const sent = await alice.post('/requests', { from: 'bob', amount: '12.50', memo: 'lunch <3' });
      assert.equal(sent.status, 303);
      assert.equal(sent.location, '/requests');
      const after = await alice.get('/requests');
      assert.match(after.body, /Asked bob for \$12\.50\./);
      assert.equal(requestIds(after.body, 'outgoing-request')[0]?.status, 'pending');
      assert.match(after.body, /lunch &lt;3/);
      const bobs = await bob.get('/requests');
      assert.equal(requestIds(bobs.body, 'incoming-request').length, 1);
      assert.match(bobs.body, /data-testid="pending-incoming">1</);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('refuses a form asking oneself, an unknown person or a bad amount beside the field, changing nothing', async () => {
      await alice.get('/requests');
      const before = await ledgerSnapshot(h.app);
      for (const [fields, status, field] of [
        [{ from: 'alice', amount: '1' }, 422, 'from'],
        [{ from: 'nobody-here', amount: '1' }, 404, 'from'],
        [{ from: 'bob', amount: '1.234' }, 400, 'amount'],
        [{ from: '', amount: '1' }, 400, 'from'],
      ] as const) {
        const res = await alice.post('/requests', fields);
        assert.equal(res.status, status, res.body.slice(0, 300));
        assert.match(res.body, new RegExp(`id="${field}-error"`));
        assert.match(res.body, /id="error-summary"/);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
      const missingCsrf = await alice.post('/requests', { from: 'bob', amount: '1', _csrf: '' });
      assert.equal(missingCsrf.status, 403);
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('pays a request through the review step once, however often Send is pressed, and links it to the transfer', async () => {
      const incoming = requestIds((await bob.get('/requests')).body, 'incoming-request').find((r) => r.status === 'pending');
      assert.ok(incoming);
      const second = await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(bobUser), payload: { name: 'Savings' } });
      assert.equal(second.statusCode, 201, second.body);
      assert.match((await bob.get('/requests')).body, /data-testid="pay-from"/, 'a payer with two USD accounts chooses one');
      const fromSavings = await bob.get(`/requests/${incoming.id}/pay?account=${second.json().id}`);
      assert.match(fromSavings.body, new RegExp(`name="account" value="${second.json().id}"`));
      const review = await bob.get(`/requests/${incoming.id}/pay`);
      assert.equal(review.status, 200);
      assert.match(review.body, /data-testid="review-payee">alice</);
      assert.match(review.body, /data-testid="review-amount">\$12\.50</);
      assert.match(review.body, new RegExp(`action="/requests/${incoming.id}/pay"`));
      const form = { idempotency_key: bob.formKey(), step: 'confirm', account: /name="account" value="([^"]+)"/.exec(review.body)![1]! };
      const first = await bob.post(`/requests/${incoming.id}/pay`, form);
      assert.equal(first.status, 303, first.body.slice(0, 500));
      const snapshot = await ledgerSnapshot(h.app);
      const again = await bob.post(`/requests/${incoming.id}/pay`, form);
      assert.equal(again.status, 303, 'a double click replays the first answer');
      const backAndSend = await bob.post(`/requests/${incoming.id}/pay`, { ...form, idempotency_key: crypto.randomUUID() });
      assert.equal(backAndSend.status, 303);
      assert.equal(await ledgerSnapshot(h.app), snapshot, 'paid once');
      assert.match((await bob.get('/requests')).body, /That request is paid|is paid/);
      const aliceView = await alice.get('/requests');
      assert.equal(requestIds(aliceView.body, 'outgoing-request')[0]?.status, 'paid');
      const history = await alice.get('/transactions');
      assert.match(history.body, /\+\$12\.50/);
      const paidReview = await bob.get(`/requests/${incoming.id}/pay`);
      assert.equal(paidReview.status, 303, 'a paid request has no review');
    });

    it('declines and cancels with CSRF-checked buttons; a stranger gets 404 and nothing changes', async () => {
      await alice.post('/requests', { from: 'bob', amount: '3' }).then(() => alice.get('/requests'));
      await alice.post('/requests', { from: 'bob', amount: '4' });
      const pending = requestIds((await bob.get('/requests')).body, 'incoming-request').filter((r) => r.status === 'pending');
      assert.equal(pending.length, 2);
      const [toDecline, toCancel] = pending as [{ id: string; status: string }, { id: string; status: string }];
      const carol = (await signedIn(h, 'carol')).browser;
      await carol.get('/requests');
      const before = await ledgerSnapshot(h.app);
      assert.equal((await carol.post(`/requests/${toDecline.id}/decline`, {})).status, 404);
      assert.equal((await carol.post(`/requests/${toCancel.id}/cancel`, {})).status, 404);
      assert.equal((await carol.get(`/requests/${toDecline.id}/pay`)).status, 404);
      assert.equal((await bob.post(`/requests/${toDecline.id}/decline`, { _csrf: '' })).status, 403);
      assert.equal(await ledgerSnapshot(h.app), before);
      await bob.get('/requests');
      const declined = await bob.follow(bob.post(`/requests/${toDecline.id}/decline`, {}));
      assert.match(declined.body, /Declined the request for \$4\.00\./);
      await alice.get('/requests');
      const cancelled = await alice.follow(alice.post(`/requests/${toCancel.id}/cancel`, {}));
      assert.match(cancelled.body, /Cancelled the request for \$3\.00\./);
      const again = await alice.post(`/requests/${toCancel.id}/cancel`, {});
      assert.equal(again.status, 409);
      const second = await anotherBrowser(h, 'bob');
      const statuses = requestIds((await second.get('/requests')).body, 'incoming-request').map((r) => r.status);
      assert.deepEqual(statuses.slice(0, 2).sort(), ['cancelled', 'declined']);
      assert.equal(await ledgerSnapshot(h.app), before);
    });
  });

  describe(`/requests page step-up (${dialect})`, () => {
    it('asks for a fresh code on the review of a large request, refuses a payment without it beside the field, and pays with it', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: 100_000 } }, async (h) => {
        const alice = await h.user('alice');
        const { browser: bob, user: bobUser } = await signedIn(h, 'bob');
        await h.deposit(bobUser, 200_000);
        const { secret } = await enrolTotp(h, bobUser, clock);
        clock.advanceSteps(1);
        const asked = await h.inject({
          method: 'POST',
          url: '/api/v1/payment-requests',
          headers: auth(alice),
          payload: { to_account_id: alice.accountId, from: 'bob', amount: 150_000 },
        });
        const id = asked.json().id as string;
        const review = await bob.get(`/requests/${id}/pay`);
        assert.equal(review.status, 200);
        assert.match(review.body, /id="mfa_code"/);
        const form = { idempotency_key: bob.formKey(), step: 'confirm', account: bobUser.accountId };
        const before = await ledgerSnapshot(h.app);
        const refused = await bob.post(`/requests/${id}/pay`, form);
        assert.equal(refused.status, 403);
        assert.match(refused.body, /id="mfa_code-error"/);
        assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');
        const paid = await bob.post(`/requests/${id}/pay`, { ...form, mfa_code: codeAt(secret, clock) });
        assert.equal(paid.status, 303, paid.body.slice(0, 300));
        assert.equal(await h.balance(alice.accountId), 150_000n);
      });
    });
  });
}
