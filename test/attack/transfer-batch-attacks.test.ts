/**
 * Attacks on PostgreSQL's batched transfers (issue 17 item 5), as a careful new user and as an
 * attacker would send them: the same Idempotency-Key twice in one call, a key used on today's path
 * and replayed through the batch on the same database (and the reverse), memo and amount edge
 * cases answered exactly as today's path answers them (status, body, notices, ledger, replay), and
 * two instances batching against the same accounts at once (balances exact, books and chain
 * verify). Skipped loudly without PostgreSQL, a failure under CI (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { transferBatcherOf } from '../../src/app/batched-transfers.js';
import { followLedger } from '../../src/app/follow-ledger.js';
import { sealChain } from '../../src/app/seal-chain.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { MAX_BALANCE_MINOR } from '../../src/domain/money.js';
import { buildApp } from '../../src/http/app.js';
import { createTransferBatcher, type BatchTransfer } from '../../src/storage/dialects/postgres/transfer-batcher.js';
import { auth, createHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { postgresAvailable } from '../helpers/postgres.js';

const pg = await postgresAvailable();

/** The answer without what differs between two banks by chance: ids, account numbers, times, request ids. */
const comparable = (body: string): unknown =>
  JSON.parse(body, (key, value: unknown) => (['id', 'number', 'account_number', 'created_at', 'request_id'].includes(key) ? '*' : value));

interface Bank {
  h: Harness;
  alice: TestUser;
  bob: TestUser;
}

async function bank(batchMax: number): Promise<Bank> {
  const h = await createHarness('postgres', { config: { pgTransferBatchMax: batchMax } });
  const [alice, bob] = [await h.user('alice'), await h.user('bob')];
  await h.deposit(alice, 1000);
  // Alice hears of every payment she makes, so the payer's notice text is compared too.
  await sql`insert into notification_settings (user_id, email_off, sent_threshold_minor) values (${alice.userId}, '', 0)`.execute(h.app.ctx.storage.db);
  return { h, alice, bob };
}

/**
 * The bank's money notices by user, each user's in order, once the ledger is followed (they are
 * written after commit, from the sealed chain, a round's grouped by user id, which differs per bank).
 */
async function moneyNotices(b: Bank): Promise<{ username: string; kind: string; text: string }[]> {
  await followLedger(b.h.app.ctx);
  const rows = await sql<{ username: string; kind: string; text: string }>`select u.username, n.kind, n.text from notifications n
    join users u on u.id = n.user_id where n.kind like 'money%' order by u.username, n.seq`.execute(b.h.app.ctx.storage.db);
  return rows.rows;
}

const transfer = (h: Harness | { inject: Harness['inject'] }, user: TestUser, key: string, payload: Record<string, unknown>) =>
  h.inject({ method: 'POST', url: '/api/v1/transfers', headers: { ...auth(user), 'idempotency-key': key }, payload });

describe('attacks on batched transfers (PostgreSQL)', { skip: !pg && 'no PostgreSQL (see the notice above)' }, () => {
  let batched: Bank;
  let unbatched: Bank;
  before(async () => {
    batched = await bank(64);
    unbatched = await bank(0);
  });
  after(async () => {
    await batched?.h.close();
    await unbatched?.h.close();
  });

  /** Sends the same request to both banks, then again (the replay); both answers must match. */
  async function same(name: string, key: string, payload: (b: Bank) => Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const answers = [];
    for (const round of ['first', 'replay']) {
      const pair = [];
      for (const b of [batched, unbatched]) {
        const res = await transfer(b.h, b.alice, key, payload(b));
        assert.notEqual(res.statusCode, 500, `${name} (${round}): ${res.body}`);
        pair.push({ status: res.statusCode, body: comparable(res.body), replayed: res.headers['idempotent-replayed'] ?? null });
      }
      assert.deepEqual(pair[0], pair[1], `${name} (${round})`);
      answers.push(pair[0]!);
    }
    if (answers[0]!.status < 300 || answers[0]!.status === 422) {
      assert.deepEqual(answers[1]!.body, answers[0]!.body, `${name}: the replay answers as the first`);
    }
    return answers[0]!;
  }

  it('memo edge cases answer, store and notify as today’s path', async () => {
    const to = (b: Bank) => b.bob.accountNumber;
    const memos: Record<string, [unknown, number]> = {
      empty: ['', 201],
      blank: ['   ', 201],
      padded: ['  rent  ', 201],
      'max 140 emoji': ['🏦'.repeat(140), 201],
      '141 characters': ['x'.repeat(141), 400],
      'quotes and backslashes': [`it's "quoted" \\ \\u0001 %s $1 ''`, 201],
      'chr(1), the batch’s name mark': ['a\u0001b', 400],
      NUL: ['a\u0000b', 400],
      'lone surrogate': ['a\ud800b', 400],
      'bidi override': ['a\u202eb', 400],
      'mixed scripts': ['Zoë 日本 مرحبا ✓', 201],
      null: [null, 201],
    };
    let i = 0;
    for (const [name, [memo, status]] of Object.entries(memos)) {
      const answer = await same(`memo ${name}`, `memo-${i++}`, (b) => ({ from_account_id: b.alice.accountId, to: to(b), amount: 1, memo }));
      assert.equal(answer.status, status, `memo ${name}`);
    }
    const ledger = async (b: Bank) =>
      (await sql<{ memo: string | null }>`select memo from ledger_transactions where type = 'transfer' order by seq`.execute(b.h.app.ctx.storage.db)).rows;
    assert.deepEqual(await ledger(batched), await ledger(unbatched));
    assert.ok((await ledger(batched)).some((r) => r.memo === '🏦'.repeat(140)));
    assert.deepEqual(await moneyNotices(batched), await moneyNotices(unbatched));
    assert.ok(transferBatcherOf(batched.h.app.ctx)!.stats.transfers > 0, 'the batched bank took the batch path');
  });

  it('amount edges: the last minor unit, one more, zero, too large, past the payee’s bound, a hold on the balance', async () => {
    const base = (b: Bank) => ({ from_account_id: b.alice.accountId, to: b.bob.accountNumber });
    for (const b of [batched, unbatched]) {
      const balance = await b.h.balance(b.alice.accountId);
      // Leave Alice exactly 1: pay the rest to Bob first (by the same path).
      const res = await transfer(b.h, b.alice, 'drain', { ...base(b), amount: Number(balance - 1n) });
      assert.equal(res.statusCode, 201, res.body);
    }
    assert.equal((await same('last unit', 'last-1', (b) => ({ ...base(b), amount: 1 }))).status, 201);
    assert.equal((await same('one more', 'none-left', (b) => ({ ...base(b), amount: 1 }))).status, 422);
    assert.equal((await same('zero', 'zero', (b) => ({ ...base(b), amount: 0 }))).status, 400);
    assert.equal((await same('negative', 'negative', (b) => ({ ...base(b), amount: -1 }))).status, 400);
    assert.equal((await same('fraction', 'fraction', (b) => ({ ...base(b), amount: 1.5 }))).status, 400);
    assert.equal((await same('2^63', 'huge', (b) => ({ ...base(b), amount: '9223372036854775808' }))).status, 400);
    for (const b of [batched, unbatched]) {
      const db = b.h.app.ctx.storage.db;
      // Alice gets 10 back, 9 of it held; Bob sits at the bound on stored amounts.
      assert.equal((await transfer(b.h, b.bob, 'back', { from_account_id: b.bob.accountId, to: b.alice.accountNumber, amount: 10 })).statusCode, 201);
      await sql`update accounts set held = 9 where id = ${b.alice.accountId}`.execute(db);
    }
    assert.equal((await same('held: available 1, asks 2', 'held-2', (b) => ({ ...base(b), amount: 2 }))).status, 422);
    assert.equal((await same('held: available 1, asks 1', 'held-1', (b) => ({ ...base(b), amount: 1 }))).status, 201);
    for (const b of [batched, unbatched]) {
      const db = b.h.app.ctx.storage.db;
      await sql`update accounts set held = 0 where id = ${b.alice.accountId}`.execute(db);
      await sql`update accounts set balance = ${MAX_BALANCE_MINOR.toString()}::bigint - 1 where id = ${b.bob.accountId}`.execute(db);
    }
    const bound = await same('past the payee’s bound', 'bound', (b) => ({ ...base(b), amount: 2 }));
    assert.equal(bound.status, 422);
    assert.equal((await same('up to the bound', 'bound-1', (b) => ({ ...base(b), amount: 1 }))).status, 201);
  });

  it('payments in other currencies (EUR, JPY: no minor unit) answer and notify as today’s path', async () => {
    const opened = new Map<Bank, Record<string, { alice: string; bob: string }>>();
    for (const b of [batched, unbatched]) {
      const byCurrency: Record<string, { alice: string; bob: string }> = {};
      for (const currency of ['EUR', 'JPY']) {
        const open = async (user: TestUser) => {
          const res = await b.h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(user), payload: { currency, name: currency } });
          assert.equal(res.statusCode, 201, res.body);
          const json = res.json<{ account?: { id: string; number: string }; id: string; number: string }>();
          return json.account ?? json;
        };
        const [mine, theirs] = [await open(b.alice), await open(b.bob)];
        const deposit = await b.h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(b.alice), payload: { account_id: mine.id, amount: 1000 } });
        assert.equal(deposit.statusCode, 201, deposit.body);
        byCurrency[currency] = { alice: mine.id, bob: theirs.number };
      }
      opened.set(b, byCurrency);
    }
    for (const currency of ['EUR', 'JPY']) {
      const answer = await same(`in ${currency}`, `cur-${currency}`, (b) => ({
        from_account_id: opened.get(b)![currency]!.alice,
        to: opened.get(b)![currency]!.bob,
        amount: 999,
      }));
      assert.equal(answer.status, 201, currency);
      const mismatch = await same(`${currency} to USD`, `cur-${currency}-usd`, (b) => ({
        from_account_id: opened.get(b)![currency]!.alice,
        to: b.bob.accountNumber,
        amount: 1,
      }));
      assert.equal(mismatch.status, 422, currency);
    }
    assert.deepEqual(await moneyNotices(batched), await moneyNotices(unbatched));
    assert.ok((await moneyNotices(batched)).some((n) => n.text === 'You received 999 JPY from alice.'));
  });

  it('the same key twice in one call: one movement; the same body replays it, another body is handed back', async () => {
    const { h } = batched;
    // Fresh users: the amount attacks above left Bob at the bound.
    const [alice, bob] = [await h.user('twice-payer'), await h.user('twice-payee')];
    await h.deposit(alice, 10);
    const batcher = createTransferBatcher(h.app.ctx.storage.db, { maxBatch: 8, format: 'movement-facts/1', status: 0 });
    const one = (key: string, hash: string, n: number): BatchTransfer => ({
      userId: alice.userId,
      key,
      requestHash: hash,
      payerId: alice.accountId,
      payeeNumber: bob.accountNumber,
      amountMinor: 1n,
      memo: null,
      transactionId: `twice-txn-${hash}-${n}`,
      createdAtMs: BigInt(Date.now()),
      tokenId: null,
      sessionHandle: null,
    });
    const before = await h.balance(alice.accountId);
    const [first, again] = await Promise.all([batcher.submit(one('twice-same', 'h', 1)), batcher.submit(one('twice-same', 'h', 2))]);
    assert.equal(batcher.stats.calls, 1, 'both went in one call');
    assert.equal(first.kind, 'moved');
    assert.equal(again.kind, 'replay');
    assert.equal(again.body, first.body, 'the replay is the stored facts of the first');
    assert.equal(again.status, 0);
    const other = one('twice-other', 'h', 3);
    const [moved, conflict] = await Promise.all([
      batcher.submit({ ...other, requestHash: 'x' }),
      batcher.submit({ ...other, requestHash: 'y', transactionId: 'y' }),
    ]);
    assert.equal(moved.kind, 'moved');
    assert.equal(conflict.kind, 'replay');
    assert.equal(conflict.requestHash, 'x', 'Node sees the other hash and hands it to today’s path (idempotency_conflict)');
    assert.equal(await h.balance(alice.accountId), before - 2n);
  });

  it('the same key sent twice at once over HTTP: exactly one movement; the other is a conflict or, once the first finished, its replay', async () => {
    for (const body of ['same', 'different']) {
      for (const { h } of [batched, unbatched]) {
        const [payer, payee] = [await h.user(`race-${body}-payer`), await h.user(`race-${body}-payee`)];
        await h.deposit(payer, 5);
        const payload = (amount: number) => ({ from_account_id: payer.accountId, to: payee.accountNumber, amount });
        const answers = await Promise.all([
          transfer(h, payer, `race-${body}`, payload(2)),
          transfer(h, payer, `race-${body}`, payload(body === 'same' ? 2 : 3)),
        ]);
        // Either request may win the race; only one moves money.
        const first = answers.find((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] !== 'true');
        assert.ok(first, answers.map((r) => r.body).join(' / '));
        const second = answers.find((r) => r !== first)!;
        // Still running here: idempotency_conflict (both paths). Finished (the batch can be that
        // quick): a replay of the same body, or a conflict for another body.
        if (second.statusCode === 201) {
          assert.equal(body, 'same', second.body);
          assert.equal(second.headers['idempotent-replayed'], 'true');
          assert.deepEqual(second.json(), first.json());
        } else {
          assert.equal(second.statusCode, 409, second.body);
          assert.equal(second.json<{ error: { code: string } }>().error.code, 'idempotency_conflict');
        }
        const moved = first.json<{ transaction: { amount: number } }>().transaction.amount;
        assert.equal(await h.balance(payer.accountId), 5n - BigInt(moved), `${body}: one movement`);
        const later = await transfer(h, payer, `race-${body}`, payload(moved));
        assert.equal(later.statusCode, 201, later.body);
        assert.equal(later.headers['idempotent-replayed'], 'true');
      }
    }
  });

  describe('one database, two instances', () => {
    let shared: Bank;
    let other: FastifyInstance;
    let plain: FastifyInstance;
    before(async () => {
      // A bank of its own: the amount attacks above wrote balances by hand, the books would not verify.
      shared = await bank(64);
      const config = shared.h.config;
      other = await buildApp({ config });
      await other.ready();
      plain = await buildApp({ config: { ...config, pgTransferBatchMax: 0 } });
      await plain.ready();
    });
    after(async () => {
      await other?.close();
      await plain?.close();
      await shared?.h.close();
    });

    it('a key used on today’s path replays through the batch, and the reverse; another body is a conflict on both', async () => {
      const { h, alice, bob } = shared;
      await h.deposit(alice, 100);
      const payload = { from_account_id: alice.accountId, to: bob.accountNumber, amount: 7, memo: 'cross' };
      for (const [first, second, key] of [
        [plain, h.app, 'old-then-batch'],
        [h.app, plain, 'batch-then-old'],
      ] as const) {
        const before = await h.balance(alice.accountId);
        const a = await transfer(first, alice, key, payload);
        const b = await transfer(second, alice, key, payload);
        assert.equal(a.statusCode, 201, a.body);
        assert.equal(b.statusCode, 201, b.body);
        assert.equal(b.headers['idempotent-replayed'], 'true', key);
        assert.deepEqual(b.json(), a.json(), `${key}: the replay is the first answer, byte for byte`);
        assert.equal(await h.balance(alice.accountId), before - 7n, `${key}: one movement`);
        const c = await transfer(second, alice, key, { ...payload, amount: 8 });
        assert.equal(c.statusCode, 409, c.body);
        assert.equal(c.json().error.code, 'idempotency_conflict');
      }
    });

    it('the same key at the same moment on two instances: one movement; the same body replays it, another is a conflict', async () => {
      const { h } = shared;
      const [payer, payee] = [await h.user('dual-payer'), await h.user('dual-payee')];
      await h.deposit(payer, 1000);
      let moved = 0n;
      for (let i = 0; i < 10; i++) {
        const differ = i % 2 === 1;
        const payload = (amount: number) => ({ from_account_id: payer.accountId, to: payee.accountNumber, amount });
        const [a, b] = await Promise.all([transfer(h.app, payer, `dual-${i}`, payload(5)), transfer(other, payer, `dual-${i}`, payload(differ ? 6 : 5))]);
        const answers = [a, b].map((r) => ({
          status: r.statusCode,
          replayed: r.headers['idempotent-replayed'] === 'true',
          body: r.json<Record<string, unknown>>(),
        }));
        const first = answers.find((x) => x.status === 201 && !x.replayed);
        assert.ok(first, `dual-${i}: one moved (${a.statusCode} ${a.body} / ${b.statusCode} ${b.body})`);
        const second = answers.find((x) => x !== first)!;
        if (differ) assert.deepEqual([second.status, (second.body.error as { code: string }).code], [409, 'idempotency_conflict'], `dual-${i}`);
        else assert.deepEqual(second, { ...first, replayed: true }, `dual-${i}: the other replays the same answer`);
        moved += BigInt((first.body.transaction as { amount: number }).amount);
        assert.equal(await h.balance(payee.accountId), moved, `dual-${i}: one movement`);
      }
    });

    it('an account closed on one instance while the other batches a payment into it: never both', async () => {
      const { h } = shared;
      const payer = await h.user('close-payer');
      await h.deposit(payer, 1000);
      const outcomes = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const owner = await h.user(`close-owner-${i}`);
        const opened = await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(owner), payload: { currency: 'USD', name: 'Spare' } });
        assert.equal(opened.statusCode, 201, opened.body);
        const json = opened.json<{ account?: { id: string; number: string }; id: string; number: string }>();
        const target = json.account ?? json;
        const [paid, closed] = await Promise.all([
          transfer(other, payer, `close-${i}`, { from_account_id: payer.accountId, to: target.number, amount: 5 }),
          plain.inject({ method: 'POST', url: `/api/v1/accounts/${target.id}/close`, headers: auth(owner) }),
        ]);
        outcomes.add(`${paid.statusCode}/${closed.statusCode}`);
        assert.ok(!(paid.statusCode === 201 && closed.statusCode === 200), `round ${i}: paid and closed both`);
        assert.ok(paid.statusCode < 500 && closed.statusCode < 500, `${paid.body} ${closed.body}`);
        assert.equal(await h.balance(target.id), paid.statusCode === 201 ? 5n : 0n);
      }
      // closeAccount locks the owner's users row FOR UPDATE, then the account; the payment locks the
      // account, then its notice's foreign key wants the users row (KEY SHARE): PostgreSQL may end
      // one with 40P01 after deadlock_timeout (1 s) and the whole batch call is retried (as today's path would be).
      console.log(`# payment/close answers seen: ${[...outcomes].join(', ')}; whole-call retries ${transferBatcherOf(other.ctx)!.stats.retries}`);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('holds placed on one instance while the other batches payments from the same account: the available balance never goes below zero', async () => {
      const { h } = shared;
      const [payer, payee] = [await h.user('held-payer'), await h.user('held-payee')];
      await h.deposit(payer, 100);
      const work = [];
      for (let i = 0; i < 12; i++) {
        work.push(transfer(other, payer, `held-${i}`, { from_account_id: payer.accountId, to: payee.accountNumber, amount: 10 }));
        work.push(
          plain.inject({
            method: 'POST',
            url: '/api/v1/holds',
            headers: auth(payer),
            payload: { from_account_id: payer.accountId, to: payee.accountNumber, amount: 10 },
          }),
        );
      }
      const answers = await Promise.all(work);
      for (const r of answers) assert.ok([201, 422].includes(r.statusCode), `${r.statusCode} ${r.body}`);
      const paid = answers.filter((r, i) => i % 2 === 0 && r.statusCode === 201).length;
      const held = answers.filter((r, i) => i % 2 === 1 && r.statusCode === 201).length;
      assert.equal(paid + held, 10, `paid ${paid}, held ${held}: exactly the balance`);
      const row = await h.app.ctx.storage.db.selectFrom('accounts').select(['balance', 'held']).where('id', '=', payer.accountId).executeTakeFirstOrThrow();
      assert.deepEqual([BigInt(row.balance), BigInt(row.held)], [BigInt(100 - 10 * paid), BigInt(10 * held)]);
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('two batching instances paying in both directions at once: exact balances, books and chain verify', async () => {
      const { h } = shared;
      const people: TestUser[] = [];
      for (const name of ['mesh-1', 'mesh-2', 'mesh-3', 'mesh-4']) people.push(await h.user(name));
      for (const p of people) await h.deposit(p, 50);
      const total = async () => {
        let sum = 0n;
        for (const p of people) sum += await h.balance(p.accountId);
        return sum;
      };
      assert.equal(await total(), 200n);
      const sends = [];
      let k = 0;
      for (let round = 0; round < 6; round++) {
        for (const [i, from] of people.entries()) {
          for (const [j, to] of people.entries()) {
            if (i === j) continue;
            const app = (k & 1) === 0 ? h.app : other;
            const key = `mesh-${k++}`;
            sends.push(transfer(app, from, key, { from_account_id: from.accountId, to: to.accountNumber, amount: 3 + ((i + j + round) % 5) }));
          }
        }
      }
      const answers = await Promise.all(sends);
      const statuses = answers.map((r) => r.statusCode);
      assert.ok(
        statuses.every((s) => s === 201 || s === 422),
        `only moved or refused: ${statuses.filter((s) => s !== 201 && s !== 422).join(',')}`,
      );
      assert.ok(statuses.includes(201));
      assert.equal(await total(), 200n, 'money neither made nor lost');
      for (const p of people) assert.ok((await h.balance(p.accountId)) >= 0n);
      const stats = [transferBatcherOf(other.ctx)!.stats, transferBatcherOf(h.app.ctx)!.stats];
      assert.ok(stats.every((s) => s.transfers > 0) && stats.some((s) => s.largest > 1), 'both instances batched, some calls several transfers');
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
      while ((await sealChain(h.app.ctx)).sealed > 0);
      assert.deepEqual((await verifyChain(h.app.ctx.storage.db)).problems, []);
    });
  });
});
