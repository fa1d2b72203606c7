/**
 * The hot paths added since the first preparation test (issue 17 item 1, this session's features):
 * holds (place, capture, void, list both roles, read one), payment requests (create, pay, list both
 * roles, read one), notifications (API list, unread list and page), the ledger head, statement
 * months, and the pages that read holds and requests. Run by statement-preparation.test.ts in every
 * round, so a statement of these paths that SQLite re-prepares, or that is prepared or parsed twice
 * on one connection, fails that test.
 */
import assert from 'node:assert/strict';
import { auth, type Harness, type TestUser } from '../helpers/harness.js';
import type { Browser } from '../pages/browser.js';

type Answer = { statusCode: number; body: string; json(): unknown };

const ok = (res: Answer, status: number, what: string): Answer => {
  assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
  return res;
};

/** Places a hold from alice to bob; bob captures part of one and voids another; both list and read them. */
async function holdPaths(h: Harness, alice: TestUser, bob: TestUser, round: number): Promise<void> {
  const place = async (key: string) => {
    const headers = { ...auth(alice), 'idempotency-key': `${key}-${round}` };
    const res = ok(
      await h.inject({ method: 'POST', url: '/api/v1/holds', headers, payload: { from_account_id: alice.accountId, to: bob.accountNumber, amount: 40 } }),
      201,
      'place hold',
    );
    return (res.json() as { hold: { id: string } }).hold.id;
  };
  const captured = await place('hc');
  const voided = await place('hv');
  ok(await h.inject({ method: 'POST', url: `/api/v1/holds/${captured}/capture`, headers: auth(bob), payload: { amount: 25 } }), 201, 'capture hold');
  ok(await h.inject({ method: 'POST', url: `/api/v1/holds/${voided}/void`, headers: auth(bob) }), 200, 'void hold');
  ok(await h.inject({ method: 'GET', url: `/api/v1/holds/${captured}`, headers: auth(alice) }), 200, 'read hold');
  for (const [user, query] of [
    [alice, 'role=payer'],
    [alice, 'role=payer&status=pending&limit=5'],
    [alice, 'role=payer&status=expired'],
    [bob, 'role=payee&status=captured'],
    [bob, 'role=payee'],
  ] as const) {
    ok(await h.inject({ method: 'GET', url: `/api/v1/holds?${query}`, headers: auth(user) }), 200, `list holds ${query}`);
  }
}

/** Bob asks alice for money, alice pays it by API (idempotent); both list and read requests. */
async function requestPaths(h: Harness, alice: TestUser, bob: TestUser, round: number): Promise<void> {
  const created = ok(
    await h.inject({
      method: 'POST',
      url: '/api/v1/payment-requests',
      headers: auth(bob),
      payload: { to_account_id: bob.accountId, from: alice.username, amount: 30 },
    }),
    201,
    'create payment request',
  );
  const id = (created.json() as { id: string }).id;
  const headers = { ...auth(alice), 'idempotency-key': `pr-${round}` };
  ok(await h.inject({ method: 'POST', url: `/api/v1/payment-requests/${id}/pay`, headers, payload: { from_account_id: alice.accountId } }), 201, 'pay request');
  ok(await h.inject({ method: 'GET', url: `/api/v1/payment-requests/${id}`, headers: auth(alice) }), 200, 'read request');
  for (const [user, query] of [
    [alice, 'role=incoming'],
    [bob, 'role=outgoing'],
    [bob, 'role=outgoing&status=pending&limit=5'],
    [bob, 'role=outgoing&status=expired'],
    [alice, 'role=incoming&status=paid'],
  ] as const) {
    ok(await h.inject({ method: 'GET', url: `/api/v1/payment-requests?${query}`, headers: auth(user) }), 200, `list requests ${query}`);
  }
}

/** Every path of this session once, as alice (signed in as `browser` too) and bob. */
export async function runSessionHotPaths(h: Harness, browser: Browser, alice: TestUser, bob: TestUser, round: number): Promise<void> {
  await holdPaths(h, alice, bob, round);
  await requestPaths(h, alice, bob, round);
  for (const url of ['/api/v1/notifications', '/api/v1/notifications?unread=true&limit=5', `/api/v1/accounts/${alice.accountId}/statements`]) {
    ok(await h.inject({ method: 'GET', url, headers: auth(alice) }), 200, url);
  }
  ok(await h.inject({ method: 'GET', url: '/api/v1/ledger/head' }), 200, 'ledger head');
  for (const page of ['/notifications', '/holds', '/requests', '/statements']) {
    assert.equal((await browser.get(page)).status, 200, page);
  }
}
