/**
 * The races that sank minibank's predecessors, run on every dialect: parallel requests through the
 * whole stack (HTTP routing, idempotency, ledger), checked against exact expected outcomes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, createHarness, dialects, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

for (const dialect of await dialects()) {
  describe(`concurrency (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
    });
    after(async () => h.close());

    const transfer = (from: TestUser, to: string, amount: number, key?: string) =>
      h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: { ...auth(from), ...(key ? { 'idempotency-key': key } : {}) },
        payload: { from_account_id: from.accountId, to, amount },
      });

    it('lets exactly 10 of 50 parallel transfers of 100 through from a balance of 1000', async () => {
      const payer = await h.user('race-payer');
      const payee = await h.user('race-payee');
      await h.deposit(payer, 1000);
      const responses = await Promise.all(Array.from({ length: 50 }, () => transfer(payer, payee.username, 100)));
      const statuses = responses.map((r) => r.statusCode);
      assert.equal(count(statuses, 201), 10, `statuses: ${statuses.join(',')}`);
      assert.equal(count(statuses, 422), 40);
      for (const r of responses.filter((x) => x.statusCode === 422)) assert.equal(r.json().error.code, 'insufficient_funds');
      assert.equal(await h.balance(payer.accountId), 0n);
      assert.equal(await h.balance(payee.accountId), 1000n);
      const books = await verifyBooks(h.app.ctx.storage.db);
      assert.deepEqual(books.problems, []);
    });

    it('survives 32 clients sending A to B and B to A at once with no 500 and money conserved', async () => {
      const a = await h.user('pingpong-a');
      const b = await h.user('pingpong-b');
      await h.deposit(a, 500);
      await h.deposit(b, 500);
      const responses = await Promise.all(
        Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? transfer(a, b.username, 1 + (i % 7) * 20) : transfer(b, a.username, 1 + (i % 5) * 30))),
      );
      for (const r of responses) assert.ok([201, 422].includes(r.statusCode), `unexpected ${r.statusCode} ${r.body}`);
      assert.ok(
        count(
          responses.map((r) => r.statusCode),
          201,
        ) > 0,
      );
      const total = (await h.balance(a.accountId)) + (await h.balance(b.accountId));
      assert.equal(total, 1000n);
      assert.ok((await h.balance(a.accountId)) >= 0n && (await h.balance(b.accountId)) >= 0n);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('moves money once for 10 parallel requests with one Idempotency-Key', async () => {
      const payer = await h.user('idem-payer');
      const payee = await h.user('idem-payee');
      await h.deposit(payer, 1000);
      const responses = await Promise.all(Array.from({ length: 10 }, () => transfer(payer, payee.username, 300, 'same-key-1')));
      const statuses = responses.map((r) => r.statusCode);
      for (const s of statuses) assert.ok(s === 201 || s === 409, `unexpected ${s}`);
      const created = responses.filter((r) => r.statusCode === 201);
      assert.ok(created.length >= 1);
      // Every 201 is the same transaction: the first, or a replay of it.
      assert.equal(new Set(created.map((r) => r.json().transaction.id)).size, 1);
      for (const r of responses.filter((x) => x.statusCode === 409)) assert.equal(r.json().error.code, 'idempotency_conflict');
      assert.equal(await h.balance(payer.accountId), 700n);
      assert.equal(await h.balance(payee.accountId), 300n);
      // A later retry replays the same transaction.
      const retry = await transfer(payer, payee.username, 300, 'same-key-1');
      assert.equal(retry.statusCode, 201);
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.json().transaction.id, created[0]?.json().transaction.id);
      assert.equal(await h.balance(payer.accountId), 700n);
    });

    it('creates exactly one user from 20 parallel sign-ups of one username', async () => {
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username: i % 2 ? 'Twin' : 'twin', password: `${PASSWORD} ${i}` } }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      assert.equal(count(statuses, 201), 1, `statuses: ${statuses.join(',')}`);
      assert.equal(count(statuses, 409), 19);
      for (const r of responses.filter((x) => x.statusCode === 409)) assert.equal(r.json().error.code, 'username_taken');
      const users = await h.app.ctx.storage.db.selectFrom('users').selectAll().where('username', '=', 'twin').execute();
      assert.equal(users.length, 1);
      const accounts = await h.app.ctx.storage.db.selectFrom('accounts').selectAll().where('user_id', '=', users[0]!.id).execute();
      assert.equal(accounts.length, 1);
    });
  });
}
