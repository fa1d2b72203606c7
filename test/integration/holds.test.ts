/**
 * Holds, two-phase transfers (issue 14 item 2; contract "Holds (round 2)"), on every dialect: each
 * contract case, the refusals (each leaves the ledger and the holds exactly as they were), expiry
 * on read and by the sweeper, and the races: capture against void, 50 holds against a balance for
 * 10, a withdrawal against a hold for the last money.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sweepExpiredHolds } from '../../src/app/settle-expired-holds.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness, type TestUser } from '../helpers/harness.js';

const HOLD_KEYS = ['amount', 'captured_amount', 'created_at', 'currency', 'expires_at', 'from', 'id', 'memo', 'resolved_at', 'status', 'to'];

/** The ledger snapshot plus every hold row and every account's held amount. */
async function snapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const holds = await db.selectFrom('holds').selectAll().orderBy('id').execute();
  const held = await db.selectFrom('accounts').select(['id', 'held']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify({ holds, held }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

for (const dialect of await dialects()) {
  describe(`holds (${dialect})`, () => {
    let h: Harness;
    let now = Date.UTC(2026, 0, 5, 12);
    let bob: TestUser;
    let carol: TestUser;
    let n = 0;
    before(async () => {
      h = await createHarness(dialect, { clock: { nowMs: () => now } });
      await h.user('alice');
      [bob, carol] = [await h.user('bob'), await h.user('carol')];
    });
    after(() => h.close());

    const place = (user: TestUser, payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
      h.inject({ method: 'POST', url: '/api/v1/holds', headers: { ...auth(user), ...headers }, payload: { from_account_id: user.accountId, ...payload } });
    const capture = (user: TestUser, id: string, payload: Record<string, unknown> = {}) =>
      h.inject({ method: 'POST', url: `/api/v1/holds/${id}/capture`, headers: auth(user), payload });
    const voidIt = (user: TestUser, id: string) => h.inject({ method: 'POST', url: `/api/v1/holds/${id}/void`, headers: auth(user) });
    const account = async (user: TestUser) => (await h.inject({ method: 'GET', url: `/api/v1/accounts/${user.accountId}`, headers: auth(user) })).json();
    /** A fresh payer with `amount` deposited (each test starts from its own balance). */
    const payerWith = async (amount: number) => {
      const user = await h.user(`payer${++n}`);
      if (amount > 0) await h.deposit(user, amount);
      return user;
    };

    it('places a hold: 201 {hold, account}, the available balance drops and the balance does not', async () => {
      const payer = await payerWith(1_000);
      const res = await place(payer, { to: 'bob', amount: 400, memo: 'deposit for the bike' });
      assert.equal(res.statusCode, 201, res.body);
      const { hold, account: acc } = res.json();
      assert.deepEqual(Object.keys(hold).sort(), HOLD_KEYS);
      assert.equal(hold.status, 'pending');
      assert.equal(hold.amount, 400);
      assert.equal(hold.captured_amount, 0);
      assert.equal(hold.currency, 'USD');
      assert.deepEqual(hold.from, { username: payer.username, account_number: payer.accountNumber });
      assert.deepEqual(hold.to, { username: 'bob', account_number: bob.accountNumber });
      assert.equal(hold.resolved_at, null);
      assert.equal(Date.parse(hold.expires_at) - Date.parse(hold.created_at), 604_800_000, 'default expiry is 7 days');
      assert.equal(acc.balance, 1_000);
      assert.equal(acc.available_balance, 600);
      assert.equal((await account(payer)).available_balance, 600);
      for (const who of [payer, bob]) {
        const got = await h.inject({ method: 'GET', url: `/api/v1/holds/${hold.id}`, headers: auth(who) });
        assert.equal(got.statusCode, 200);
        assert.equal(got.json().id, hold.id);
      }
      assert.equal((await h.inject({ method: 'GET', url: `/api/v1/holds/${hold.id}`, headers: auth(carol) })).statusCode, 404);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('counts a hold against every later withdrawal, transfer and hold, and changes nothing when refusing', async () => {
      const payer = await payerWith(1_000);
      assert.equal((await place(payer, { to: 'bob', amount: 700 })).statusCode, 201);
      const before = await snapshot(h);
      const refusals = [
        await h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: auth(payer), payload: { account_id: payer.accountId, amount: 301 } }),
        await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: auth(payer),
          payload: { from_account_id: payer.accountId, to: 'carol', amount: 301 },
        }),
        await place(payer, { to: 'carol', amount: 301 }),
      ];
      for (const res of refusals) {
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().error.code, 'insufficient_funds');
      }
      assert.equal(await snapshot(h), before);
      const ok = await h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: auth(payer), payload: { account_id: payer.accountId, amount: 300 } });
      assert.equal(ok.statusCode, 201);
      assert.equal(ok.json().account.available_balance, 0);
    });

    it('captures part of a hold as a transfer to the payee and releases the rest', async () => {
      const payer = await payerWith(1_000);
      const hold = (await place(payer, { to: bob.accountNumber, amount: 500, memo: 'taxi' })).json().hold;
      const bobBefore = await h.balance(bob.accountId);
      const res = await capture(bob, hold.id, { amount: 320 });
      assert.equal(res.statusCode, 201, res.body);
      const { transaction, hold: after } = res.json();
      assert.equal(transaction.type, 'transfer');
      assert.equal(transaction.direction, 'credit');
      assert.equal(transaction.amount, 320);
      assert.equal(transaction.memo, 'taxi');
      assert.deepEqual(transaction.counterparty, { username: payer.username, account_number: payer.accountNumber });
      assert.equal(after.status, 'captured');
      assert.equal(after.captured_amount, 320);
      assert.notEqual(after.resolved_at, null);
      assert.equal(await h.balance(bob.accountId), bobBefore + 320n);
      const acc = await account(payer);
      assert.equal(acc.balance, 680);
      assert.equal(acc.available_balance, 680);
      const history = await h.inject({ method: 'GET', url: `/api/v1/accounts/${payer.accountId}/transactions`, headers: auth(payer) });
      assert.equal(history.json().data[0].id, transaction.id);
      assert.equal(history.json().data[0].direction, 'debit');
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('captures the whole hold when no amount is given', async () => {
      const payer = await payerWith(250);
      const hold = (await place(payer, { to: 'bob', amount: 250 })).json().hold;
      const res = await capture(bob, hold.id);
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().transaction.amount, 250);
      assert.equal((await account(payer)).balance, 0);
    });

    it('refuses a capture above the hold (422), and a capture or void by the payer or a stranger (404), changing nothing', async () => {
      const payer = await payerWith(1_000);
      const hold = (await place(payer, { to: 'bob', amount: 300 })).json().hold;
      const before = await snapshot(h);
      const above = await capture(bob, hold.id, { amount: 301 });
      assert.equal(above.statusCode, 422);
      assert.equal(above.json().error.code, 'amount_exceeds_hold');
      for (const res of [await capture(payer, hold.id), await capture(carol, hold.id), await voidIt(payer, hold.id), await voidIt(carol, hold.id)]) {
        assert.equal(res.statusCode, 404, res.body);
        assert.equal(res.json().error.code, 'not_found');
      }
      assert.equal((await capture(bob, 'no-such-hold')).statusCode, 404);
      assert.equal(await snapshot(h), before);
    });

    it('voids a hold (200, the reserve comes back) and then answers 409 hold_not_pending to capture and void', async () => {
      const payer = await payerWith(500);
      const hold = (await place(payer, { to: 'bob', amount: 500 })).json().hold;
      const res = await voidIt(bob, hold.id);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().hold.status, 'voided');
      assert.equal((await account(payer)).available_balance, 500);
      const before = await snapshot(h);
      for (const again of [await capture(bob, hold.id), await voidIt(bob, hold.id)]) {
        assert.equal(again.statusCode, 409);
        assert.equal(again.json().error.code, 'hold_not_pending');
      }
      assert.equal(await snapshot(h), before);
    });

    it('reads a hold as expired once expires_at has passed, refuses its capture, and the sweeper gives the reserve back', async () => {
      const payer = await payerWith(900);
      const hold = (await place(payer, { to: 'bob', amount: 900, expires_in: 60 })).json().hold;
      now += 60_000;
      const read = (await h.inject({ method: 'GET', url: `/api/v1/holds/${hold.id}`, headers: auth(payer) })).json();
      assert.equal(read.status, 'expired');
      assert.equal(read.resolved_at, hold.expires_at);
      const before = await snapshot(h);
      const late = await capture(bob, hold.id);
      assert.equal(late.statusCode, 409);
      assert.equal(late.json().error.code, 'hold_not_pending');
      assert.equal(await snapshot(h), before);
      await sweepExpiredHolds(h.app.ctx);
      assert.equal(await sweepExpiredHolds(h.app.ctx), 0, 'a second sweep finds nothing left');
      assert.equal((await h.app.ctx.storage.db.selectFrom('holds').select('status').where('id', '=', hold.id).executeTakeFirstOrThrow()).status, 'expired');
      assert.equal((await account(payer)).available_balance, 900);
      assert.equal((await capture(bob, hold.id)).statusCode, 409);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('resolves a hold exactly once when capture and void race', async () => {
      for (let round = 0; round < 5; round++) {
        const payer = await payerWith(100);
        const hold = (await place(payer, { to: 'bob', amount: 100 })).json().hold;
        const results = await Promise.all([capture(bob, hold.id), voidIt(bob, hold.id), capture(bob, hold.id)]);
        const won = results.filter((r) => r.statusCode === 200 || r.statusCode === 201);
        assert.equal(won.length, 1, results.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
        for (const lost of results.filter((r) => !won.includes(r))) assert.equal(lost.json().error.code, 'hold_not_pending');
        const acc = await account(payer);
        assert.equal(acc.available_balance, acc.balance, 'nothing stays reserved');
      }
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('reserves exactly 10 of 50 parallel holds against a balance that covers 10', async () => {
      const payer = await payerWith(1_000);
      const results = await Promise.all(Array.from({ length: 50 }, () => place(payer, { to: 'carol', amount: 100 })));
      const codes = results.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, 10, codes.join(','));
      assert.equal(codes.filter((c) => c === 422).length, 40);
      const acc = await account(payer);
      assert.equal(acc.balance, 1_000);
      assert.equal(acc.available_balance, 0);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('lets exactly one of a withdrawal and a hold racing for the last money through', async () => {
      for (let round = 0; round < 5; round++) {
        const payer = await payerWith(100);
        const [w, hold] = await Promise.all([
          h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: auth(payer), payload: { account_id: payer.accountId, amount: 100 } }),
          place(payer, { to: 'bob', amount: 100 }),
        ]);
        assert.deepEqual([w.statusCode, hold.statusCode].sort(), [201, 422], `${w.body}\n${hold.body}`);
        const acc = await account(payer);
        assert.equal(acc.available_balance, 0);
      }
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('replays a hold placed with the same Idempotency-Key and reserves once', async () => {
      const payer = await payerWith(1_000);
      const headers = { 'idempotency-key': `hold-${dialect}` };
      const first = await place(payer, { to: 'bob', amount: 100 }, headers);
      const again = await place(payer, { to: 'bob', amount: 100 }, headers);
      assert.equal(first.statusCode, 201);
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body);
      assert.equal((await account(payer)).available_balance, 900);
      const other = await place(payer, { to: 'bob', amount: 101 }, headers);
      assert.equal(other.statusCode, 409);
      assert.equal(other.json().error.code, 'idempotency_conflict');
    });

    it('refuses bad amounts, payees, expiries and currencies as for transfers, changing nothing', async () => {
      const payer = await payerWith(1_000);
      const eur = await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(carol), payload: { currency: 'EUR' } });
      assert.equal(eur.statusCode, 201, eur.body);
      const before = await snapshot(h);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ to: 'bob', amount: 0 }, 400, 'invalid_amount'],
        [{ to: 'bob', amount: 1.5 }, 400, 'invalid_amount'],
        [{ to: 'bob', amount: '10' }, 400, 'invalid_amount'],
        [{ to: 'bob', amount: -5 }, 400, 'invalid_amount'],
        [{ to: 'bob', amount: 10, expires_in: 59 }, 400, 'invalid_request'],
        [{ to: 'bob', amount: 10, expires_in: 2_592_001 }, 400, 'invalid_request'],
        [{ to: 'nobody-here', amount: 10 }, 404, 'not_found'],
        [{ to: payer.username, amount: 10 }, 422, 'same_account'],
        [{ to: 'bob', amount: 10, from_account_id: bob.accountId }, 404, 'not_found'],
        [{ to: 'bob', amount: 1_001 }, 422, 'insufficient_funds'],
      ];
      for (const [payload, status, code] of cases) {
        const res = await place(payer, payload);
        assert.equal(res.statusCode, status, `${JSON.stringify(payload)}: ${res.body}`);
        assert.equal(res.json().error.code, code);
      }
      const mismatch = await place(payer, { to: eur.json().number, amount: 10 });
      assert.equal(mismatch.statusCode, 422);
      assert.equal(mismatch.json().error.code, 'currency_mismatch');
      assert.equal(await snapshot(h), before);
    });

    it('lists holds by role and status, newest first, with keyset pages', async () => {
      const payer = await payerWith(1_000);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        now += 1_000;
        ids.push((await place(payer, { to: 'carol', amount: 10 + i })).json().hold.id);
      }
      await voidIt(carol, ids[0]!);
      const list = async (user: TestUser, query: string) => (await h.inject({ method: 'GET', url: `/api/v1/holds?${query}`, headers: auth(user) })).json();
      const page1 = await list(payer, 'role=payer&limit=2');
      assert.deepEqual(
        page1.data.map((x: { id: string }) => x.id),
        [ids[2], ids[1]],
      );
      assert.equal(page1.has_more, true);
      const page2 = await list(payer, `role=payer&limit=2&starting_after=${ids[1]}`);
      assert.deepEqual(
        page2.data.map((x: { id: string }) => x.id),
        [ids[0]],
      );
      assert.equal(page2.has_more, false);
      const pending = await list(payer, 'role=payer&status=pending');
      assert.deepEqual(pending.data.map((x: { id: string }) => x.id).sort(), [ids[1], ids[2]].sort());
      const asPayee = await list(carol, 'role=payee&status=voided');
      assert.ok(asPayee.data.some((x: { id: string }) => x.id === ids[0]));
      assert.equal((await list(bob, 'role=payee')).data.filter((x: { id: string }) => ids.includes(x.id)).length, 0, 'not his holds');
    });

    it('refuses to close an account that pays or receives a pending hold (422 account_not_empty)', async () => {
      const payer = await h.user(`closer${++n}`);
      const extra = (await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(payer), payload: { name: 'Pot' } })).json();
      await h.deposit(payer, 100);
      const payee = await h.user(`closee${++n}`);
      const side = (await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(payee), payload: { name: 'Side' } })).json();
      const moved = await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(payer),
        payload: { from_account_id: payer.accountId, to: extra.number, amount: 100 },
      });
      assert.equal(moved.statusCode, 201, moved.body);
      const hold = await h.inject({
        method: 'POST',
        url: '/api/v1/holds',
        headers: auth(payer),
        payload: { from_account_id: extra.id, to: side.number, amount: 100 },
      });
      assert.equal(hold.statusCode, 201, hold.body);
      const withdrawn = await h.inject({ method: 'POST', url: '/api/v1/withdrawals', headers: auth(payer), payload: { account_id: extra.id, amount: 100 } });
      assert.equal(withdrawn.statusCode, 422, 'the money is on hold');
      const before = await snapshot(h);
      for (const [user, id] of [
        [payee, side.id],
        [payer, extra.id],
      ] as const) {
        const res = await h.inject({ method: 'POST', url: `/api/v1/accounts/${id}/close`, headers: auth(user) });
        assert.equal(res.statusCode, 422, res.body);
        assert.equal(res.json().error.code, 'account_not_empty');
      }
      assert.equal(await snapshot(h), before);
      assert.equal((await voidIt(payee, hold.json().hold.id)).statusCode, 200);
      const closeSide = await h.inject({ method: 'POST', url: `/api/v1/accounts/${side.id}/close`, headers: auth(payee) });
      assert.equal(closeSide.statusCode, 200, closeSide.body);
    });

    it('makes verify report a held amount that is not the sum of pending holds', async () => {
      const payer = await payerWith(100);
      await h.app.ctx.storage.db.updateTable('accounts').set({ held: 7n }).where('id', '=', payer.accountId).execute();
      const report = await verifyBooks(h.app.ctx.storage.db);
      assert.equal(report.ok, false);
      assert.ok(
        report.problems.some((p) => p.includes('pending holds sum to 0')),
        report.problems.join('\n'),
      );
      await h.app.ctx.storage.db.updateTable('accounts').set({ held: 0n }).where('id', '=', payer.accountId).execute();
    });
  });
}
