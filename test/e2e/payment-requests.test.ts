/**
 * Payment requests in real Chromium (issue 14 "Tests that must exist"): alice asks bob for money on
 * /requests, bob signs in, pays it through the transfer review step, and both histories show the
 * transfer. Takes the /requests screenshot the README shows (docs/screenshots via screenshots.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumSkipReason, chromiumSuite } from './chromium.js';
import { assertFlash, historyRows, pathOf, signInHere, signUp, submit } from './pages.js';
import { screenshot } from './screenshots.js';

const PASSWORD = 'a passphrase long enough for minibank';
const MEMO = 'Concert tickets <b>&</b> "snacks"';

describe('payment requests in Chromium', { skip: chromiumSkipReason() }, () => {
  const suite = chromiumSuite();
  const newPage = () => suite.newPage();

  it('alice asks bob on /requests, bob signs in and pays it through the review step, and both histories show it', async () => {
    const origin = `http://127.0.0.1:${suite.server.port}`;
    const alice = await newPage();
    const bobSignup = await newPage();
    try {
      await signUp(alice, origin, 'alice', PASSWORD);
      await signUp(bobSignup, origin, 'bob', PASSWORD);
      await bobSignup.goto(`${origin}/deposit`);
      await bobSignup.fill('#amount', '100.00');
      await submit(bobSignup, bobSignup.getByTestId('deposit-submit'));
      await bobSignup.context().close();

      await alice.goto(`${origin}/dashboard`);
      await submit(alice, alice.locator('#nav-requests'));
      assert.equal(pathOf(alice), '/requests');
      await alice.fill('#from', 'bob');
      await alice.fill('#amount', '12.50');
      await alice.fill('#memo', MEMO);
      await submit(alice, alice.getByTestId('request-submit'));
      assert.equal(pathOf(alice), '/requests');
      await assertFlash(alice, /Asked bob for \$12\.50\./);
      assert.equal(await alice.getByTestId('outgoing-request').first().getAttribute('data-status'), 'pending');

      const bob = await newPage();
      await bob.goto(`${origin}/requests`);
      assert.match(pathOf(bob), /^\/login\?next=/);
      await signInHere(bob, 'bob', PASSWORD);
      assert.equal(pathOf(bob), '/requests');
      const incoming = bob.getByTestId('incoming-request').first();
      assert.equal(await incoming.getAttribute('data-status'), 'pending');
      assert.equal(await incoming.getByTestId('request-memo').textContent(), MEMO, 'the memo is shown as text, not markup');
      await submit(bob, incoming.getByTestId('pay-request'));
      assert.match(pathOf(bob), /^\/requests\/[^/]+\/pay$/);
      assert.equal(await bob.getByTestId('review-payee').textContent(), 'alice');
      assert.equal(await bob.getByTestId('review-amount').textContent(), '$12.50');
      await submit(bob, bob.getByTestId('transfer-confirm'));
      assert.equal(pathOf(bob), '/requests');
      await assertFlash(bob, /Paid \$12\.50 to alice\./);
      assert.equal(await bob.getByTestId('incoming-request').first().getAttribute('data-status'), 'paid');

      await alice.goto(`${origin}/transactions`);
      const aliceTop = (await historyRows(alice))[0];
      assert.equal(aliceTop?.amount, '+$12.50');
      assert.equal(aliceTop?.memo, MEMO);
      await bob.goto(`${origin}/transactions`);
      const bobTop = (await historyRows(bob))[0];
      assert.equal(bobTop?.amount, '\u2212$12.50');
      assert.equal(bobTop?.memo, MEMO);
      await alice.goto(`${origin}/requests`);
      assert.equal(await alice.getByTestId('outgoing-request').first().getAttribute('data-status'), 'paid');

      // The README's picture: bob's inbox with one request waiting and one paid.
      await alice.fill('#from', 'bob');
      await alice.fill('#amount', '4.20');
      await alice.fill('#memo', 'Coffee on Friday');
      await submit(alice, alice.getByTestId('request-submit'));
      await bob.goto(`${origin}/requests`);
      assert.equal(await bob.getByTestId('incoming-request').count(), 2);
      await screenshot(bob, 'requests');
      await bob.context().close();
    } finally {
      await alice.context().close();
    }
  });
});
