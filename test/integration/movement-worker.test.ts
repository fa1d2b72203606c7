/**
 * Money movements committed in SQLite's movement worker (issue 17 item 3, SQLITE_WRITE_WORKER=on):
 * the API's answers are the in-process ones (replay, conflict, refusals, concurrency), a worker
 * that dies mid-batch fails that batch with 503 and moves nothing, the next movement starts a new
 * worker, closing finishes what was sent, and the main thread's own writes are not starved by a
 * flood of transfers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyBooks } from '../../src/app/verify-books.js';
import type { MovementWorkerClient } from '../../src/http/movement-worker-client.js';
import { auth, createHarness, PASSWORD, waitFor, type Harness, type TestUser } from '../helpers/harness.js';

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('movement worker (sqlite)', () => {
  let h: Harness;
  let worker: MovementWorkerClient;
  before(async () => {
    // A short lock wait: a main-thread write starved by the worker would fail with 503 within it.
    h = await createHarness('sqlite', { config: { sqliteWriteWorker: true, sqliteBusyTimeoutMs: 2500 } });
    worker = h.app.ctx.movements as MovementWorkerClient;
  });
  after(async () => h.close());

  const transfer = (from: TestUser, to: string, amount: number, key?: string) =>
    h.inject({
      method: 'POST',
      url: '/api/v1/transfers',
      headers: { ...auth(from), ...(key ? { 'idempotency-key': key } : {}) },
      payload: { from_account_id: from.accountId, to, amount },
    });
  const soundBooks = async () => assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);

  it('runs movements in the worker', () => {
    assert.ok(worker, 'SQLITE_WRITE_WORKER on gives the context a movement committer');
    assert.equal(typeof worker.armTestFault, 'function');
  });

  it('replays a transfer sent again with its key, and refuses the key with another body', async () => {
    const payer = await h.user('replay-payer');
    const payee = await h.user('replay-payee');
    await h.deposit(payer, 500);
    const first = await transfer(payer, payee.accountNumber, 120, 'key-1');
    const again = await transfer(payer, payee.accountNumber, 120, 'key-1');
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    const other = await transfer(payer, payee.accountNumber, 121, 'key-1');
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().error.code, 'idempotency_conflict');
    assert.equal(await h.balance(payer.accountId), 380n);
    assert.equal(await h.balance(payee.accountId), 120n);
  });

  it('answers refusals with their codes, as in-process', async () => {
    const payer = await h.user('refused-payer');
    const payee = await h.user('refused-payee');
    await h.deposit(payer, 50);
    const poor = await transfer(payer, payee.username, 51);
    assert.equal(poor.statusCode, 422);
    assert.equal(poor.json().error.code, 'insufficient_funds');
    const self = await transfer(payer, payer.accountNumber, 5);
    assert.equal(self.json().error.code, 'same_account');
    const nobody = await transfer(payer, 'nobody-by-that-name', 5);
    assert.equal(nobody.statusCode, 404);
    assert.equal(nobody.json().error.param, 'to');
    // A refusal with a key is stored and replayed like any outcome.
    const keyed = await transfer(payer, payee.username, 51, 'refused-key');
    const replay = await transfer(payer, payee.username, 51, 'refused-key');
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.json(), keyed.json());
    assert.equal(await h.balance(payer.accountId), 50n);
  });

  it('lets exactly 20 of 100 concurrent transfers of 50 through from a balance of 1000', async () => {
    const payer = await h.user('flood-payer');
    const payee = await h.user('flood-payee');
    await h.deposit(payer, 1000);
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => transfer(payer, payee.accountNumber, 50, `flood-${i}`)));
    const statuses = responses.map((r) => r.statusCode);
    assert.equal(count(statuses, 201), 20, statuses.join(','));
    assert.equal(count(statuses, 422), 80);
    assert.equal(await h.balance(payer.accountId), 0n);
    assert.equal(await h.balance(payee.accountId), 1000n);
    await soundBooks();
  });

  it('fails the whole batch with 503 when the worker dies after a debit, moves nothing, and restarts', async () => {
    const payer = await h.user('crash-payer');
    const payee = await h.user('crash-payee');
    await h.deposit(payer, 1000);
    const restarts = worker.restarts;
    worker.armTestFault('exit-after-debit');
    const failed = await Promise.all(Array.from({ length: 5 }, (_, i) => transfer(payer, payee.accountNumber, 10, `crash-${i}`)));
    for (const r of failed) {
      assert.equal(r.statusCode, 503, r.body);
      assert.equal(r.json().error.code, 'unavailable');
    }
    assert.equal(await h.balance(payer.accountId), 1000n, 'no money moved for the failed batch');
    assert.equal(await h.balance(payee.accountId), 0n);
    await soundBooks();
    // Retried with the same keys: nothing was stored for them, so each moves now, once.
    const retried = await Promise.all(Array.from({ length: 5 }, (_, i) => transfer(payer, payee.accountNumber, 10, `crash-${i}`)));
    for (const r of retried) assert.equal(r.statusCode, 201, r.body);
    assert.equal(worker.restarts, restarts + 1);
    assert.equal(await h.balance(payer.accountId), 950n);
    await soundBooks();
  });

  it('keeps the main thread writing (token issue, sign-up) during a flood of transfers', async () => {
    const payers = await Promise.all(['sa', 'sb', 'sc', 'sd'].map((n) => h.user(`starve-${n}`)));
    const payee = await h.user('starve-payee');
    for (const p of payers) await h.deposit(p, 100_000);
    let flooding = true;
    // Straight to the worker, 50 at a time per payer: its batches follow each other with no gap. On a
    // loaded machine a flood transfer may itself wait past the lock timeout in the queue (503, nothing moved).
    const flood = payers.map(async (p) => {
      let moved = 0;
      const request = { type: 'transfer' as const, fromAccountId: p.accountId, to: payee.accountNumber, amountMinor: 1n, memo: null };
      while (flooding) {
        const batch = await Promise.allSettled(Array.from({ length: 50 }, () => worker.commit({ actorUserId: p.userId, request, via: {} })));
        for (const r of batch) {
          if (r.status === 'fulfilled') assert.equal(r.value.outcome.kind, 'moved');
          else assert.equal((r.reason as { code?: string }).code, 'SQLITE_BUSY_TIMEOUT', String(r.reason));
        }
        moved += batch.filter((r) => r.status === 'fulfilled').length;
      }
      return moved;
    });
    await waitFor('the flood to start', () => worker.inFlight > 0, { pauseMs: 1 });
    try {
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const token = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'starve-payee', password: PASSWORD } });
        const signup = await h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: `starve-new-${i}`, password: PASSWORD } });
        assert.equal(token.statusCode, 200, token.body);
        assert.equal(signup.statusCode, 201, signup.body);
        console.log(`# token issue + sign-up during the flood: ${Math.round(performance.now() - started)} ms`);
      }
    } finally {
      flooding = false;
    }
    const moved = (await Promise.all(flood)).reduce((a, b) => a + b, 0);
    assert.ok(moved > 0);
    assert.equal(await h.balance(payee.accountId), BigInt(moved));
    await soundBooks();
  });

  it('finishes the movements it was sent when closed, then refuses new ones with 503', async () => {
    const payer = await h.user('drain-payer');
    const payee = await h.user('drain-payee');
    await h.deposit(payer, 1000);
    const inFlight = Array.from({ length: 20 }, () => transfer(payer, payee.accountNumber, 5));
    // Close while movements are in the worker (the requests still being authenticated get 503).
    await waitFor('movements in the worker', () => worker.inFlight > 0, { pauseMs: 1 });
    await worker.close();
    const statuses = (await Promise.all(inFlight)).map((r) => r.statusCode);
    const moved = count(statuses, 201);
    assert.equal(moved + count(statuses, 503), 20, statuses.join(','));
    assert.ok(moved > 0, 'the movements sent before close were finished');
    assert.equal(await h.balance(payee.accountId), BigInt(moved * 5));
    const late = await transfer(payer, payee.accountNumber, 5);
    assert.equal(late.statusCode, 503);
    await soundBooks();
  });
});
