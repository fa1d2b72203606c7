/**
 * Payment requests under concurrency and step-up, on every dialect (issue 14 "Bad input and races"):
 * a request paid twice at once, with and without the same Idempotency-Key, is paid once with one
 * transaction; pay racing decline or cancel ends with exactly one of them; parallel asks never pass
 * MAX_PENDING_REQUESTS; a large payment needs a fresh code exactly like a transfer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, ledgerSnapshot, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';

const ask = async (h: Harness, requester: TestUser, from: string, amount: number) => {
  const res = await h.inject({
    method: 'POST',
    url: '/api/v1/payment-requests',
    headers: auth(requester),
    payload: { to_account_id: requester.accountId, from, amount },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().id as string;
};
const pay = (h: Harness, payer: TestUser, id: string, headers: Record<string, string> = {}) =>
  h.inject({
    method: 'POST',
    url: `/api/v1/payment-requests/${id}/pay`,
    headers: { ...auth(payer), ...headers },
    payload: { from_account_id: payer.accountId },
  });
const transfersInto = async (h: Harness, accountId: string) =>
  (await h.app.ctx.storage.db.selectFrom('entries').select('seq').where('account_id', '=', accountId).where('amount', '>', 0n).execute()).length;

for (const dialect of await dialects()) {
  describe(`payment requests under races (${dialect})`, () => {
    it('pays a request paid ten times at once, without a key, exactly once, with one transaction', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(bob, 10_000);
        const id = await ask(h, alice, 'bob', 300);
        const answers = await Promise.all(Array.from({ length: 10 }, () => pay(h, bob, id)));
        const statuses = answers.map((r) => r.statusCode).sort();
        assert.deepEqual(statuses, [201, ...Array(9).fill(409)], answers.map((r) => r.body).join('\n'));
        for (const r of answers.filter((a) => a.statusCode === 409)) assert.equal(r.json().error.code, 'request_not_pending');
        assert.equal(await h.balance(alice.accountId), 300n);
        assert.equal(await h.balance(bob.accountId), 9_700n);
        assert.equal(await transfersInto(h, alice.accountId), 1);
      });
    });

    it('pays a request paid ten times at once with the same Idempotency-Key exactly once; every other answer replays or conflicts', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(bob, 10_000);
        const id = await ask(h, alice, 'bob', 300);
        const answers = await Promise.all(Array.from({ length: 10 }, () => pay(h, bob, id, { 'idempotency-key': 'same-key' })));
        const created = answers.filter((r) => r.statusCode === 201);
        assert.ok(created.length >= 1, answers.map((r) => r.body).join('\n'));
        assert.equal(new Set(created.map((r) => r.json().transaction.id)).size, 1, 'every 201 names the same transaction');
        for (const r of answers.filter((a) => a.statusCode !== 201)) assert.equal(r.json().error.code, 'idempotency_conflict', r.body);
        const retry = await pay(h, bob, id, { 'idempotency-key': 'same-key' });
        assert.equal(retry.statusCode, 201);
        assert.equal(retry.headers['idempotent-replayed'], 'true');
        assert.equal(await h.balance(alice.accountId), 300n);
        assert.equal(await transfersInto(h, alice.accountId), 1);
      });
    });

    it('ends a payment racing a decline and a cancel with exactly one of them', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(bob, 10_000);
        for (let round = 0; round < 5; round++) {
          const id = await ask(h, alice, 'bob', 100);
          const answers = await Promise.all([
            pay(h, bob, id),
            h.inject({ method: 'POST', url: `/api/v1/payment-requests/${id}/decline`, headers: auth(bob) }),
            h.inject({ method: 'POST', url: `/api/v1/payment-requests/${id}/cancel`, headers: auth(alice) }),
          ]);
          assert.equal(answers.filter((r) => r.statusCode < 300).length, 1, answers.map((r) => r.body).join('\n'));
          const final = (await h.inject({ method: 'GET', url: `/api/v1/payment-requests/${id}`, headers: auth(alice) })).json();
          assert.equal(final.transaction_id !== null, final.status === 'paid');
        }
        const paid = (await h.inject({ method: 'GET', url: '/api/v1/payment-requests?role=outgoing&status=paid', headers: auth(alice) })).json().data;
        assert.equal(await h.balance(alice.accountId), BigInt(paid.length * 100));
      });
    });

    it('never lets parallel asks pass MAX_PENDING_REQUESTS', async () => {
      await withHarness(dialect, { config: { maxPendingRequests: 4 } }, async (h) => {
        const alice = await h.user('alice');
        await h.user('bob');
        const answers = await Promise.all(
          Array.from({ length: 12 }, () =>
            h.inject({
              method: 'POST',
              url: '/api/v1/payment-requests',
              headers: auth(alice),
              payload: { to_account_id: alice.accountId, from: 'bob', amount: 5 },
            }),
          ),
        );
        assert.equal(answers.filter((r) => r.statusCode === 201).length, 4, answers.map((r) => r.body).join('\n'));
        for (const r of answers.filter((a) => a.statusCode !== 201)) assert.equal(r.json().error.code, 'limit_reached');
        const count = await h.app.ctx.storage.db.selectFrom('payment_requests').select('id').where('status', '=', 'pending').execute();
        assert.equal(count.length, 4);
      });
    });

    it('counts a paid request in the metrics as a transfer, and a refused one by its code', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(bob, 1_000);
        const count = async (labels: string) => {
          const text = (await h.inject({ method: 'GET', url: '/metrics' })).body;
          const line = text.split('\n').find((l) => l.startsWith(`minibank_transactions_total{${labels}}`));
          return line === undefined ? 0 : Number(line.split(' ').pop());
        };
        const okBefore = await count('type="transfer",outcome="ok",currency="USD"');
        const id = await ask(h, alice, 'bob', 300);
        assert.equal((await pay(h, bob, id)).statusCode, 201);
        assert.equal(await count('type="transfer",outcome="ok",currency="USD"'), okBefore + 1);
        const tooMuch = await ask(h, alice, 'bob', 5_000);
        assert.equal((await pay(h, bob, tooMuch)).statusCode, 422);
        assert.equal(await count('type="transfer",outcome="insufficient_funds",currency="none"'), 1);
      });
    });

    it('needs a fresh code to pay a request of at least STEP_UP_MINOR, as a transfer does, and moves nothing without it', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: 100_000 } }, async (h) => {
        const alice = await h.user('alice');
        const bob = await h.user('bob');
        await h.deposit(bob, 500_000);
        const { secret } = await enrolTotp(h, bob, clock);
        clock.advanceSteps(1);
        const small = await ask(h, alice, 'bob', 99_999);
        assert.equal((await pay(h, bob, small)).statusCode, 201, 'below the threshold no code is asked');
        const large = await ask(h, alice, 'bob', 100_000);
        const before = await ledgerSnapshot(h.app);
        for (const headers of [{}, { 'mfa-code': codeAt(secret, clock, 4) }] as Record<string, string>[]) {
          const res = await pay(h, bob, large, headers);
          assert.equal(res.statusCode, 403, res.body);
          assert.equal(res.json().error.code, 'step_up_required');
        }
        assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');
        const ok = await pay(h, bob, large, { 'mfa-code': codeAt(secret, clock), 'idempotency-key': 'large-1' });
        assert.equal(ok.statusCode, 201, ok.body);
        const replay = await pay(h, bob, large, { 'mfa-code': codeAt(secret, clock), 'idempotency-key': 'large-1' });
        assert.equal(replay.statusCode, 201, 'a finished key replays without a second code');
        assert.equal(replay.headers['idempotent-replayed'], 'true');
      });
    });
  });
}
