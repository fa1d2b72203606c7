/**
 * Model-based property test: random sequences of deposits, withdrawals, transfers and idempotent
 * retries among three users, sent through the real app, must agree exactly with a few lines of
 * in-memory arithmetic: which requests succeed, every balance reported and stored, and books that
 * `verifyBooks` finds sound. One app and three users per dialect (argon2 sign-ups are slow); each
 * run starts its model from the balances the previous runs left behind.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sweepExpiredHolds } from '../../src/app/settle-expired-holds.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';

type Who = 0 | 1 | 2;
type Op =
  | { kind: 'deposit'; who: Who; amount: number; keyed: boolean }
  | { kind: 'withdrawal'; who: Who; amount: number; keyed: boolean }
  | { kind: 'transfer'; who: Who; to: Who; amount: number; payeeBy: 'username' | 'number' | 'spaced-number'; keyed: boolean }
  | { kind: 'retry-last-keyed' };

const who = fc.constantFrom<Who>(0, 1, 2);
// Small amounts against small balances, so that refusals for insufficient funds are common.
const amount = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 3000 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('deposit' as const), who, amount, keyed: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('withdrawal' as const), who, amount, keyed: fc.boolean() }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      who,
      to: who,
      amount,
      payeeBy: fc.constantFrom('username' as const, 'number' as const, 'spaced-number' as const),
      keyed: fc.boolean(),
    }),
    weight: 5,
  },
  { arbitrary: fc.constant({ kind: 'retry-last-keyed' as const }), weight: 1 },
);

interface Sent {
  url: string;
  user: TestUser;
  payload: Record<string, unknown>;
  key: string;
  status: number;
  body: string;
}

const runs = { sqlite: 40, postgres: 15 } as const;

for (const dialect of await dialects()) {
  describe(`ledger model (${dialect})`, () => {
    let h: Harness;
    let users: TestUser[];
    before(async () => {
      h = await createHarness(dialect);
      users = [await h.user('model-ann'), await h.user('model-ben'), await h.user('model-cy')];
    });
    after(async () => h.close());

    const userAt = (i: Who): TestUser => {
      const u = users[i];
      assert.ok(u);
      return u;
    };

    async function storedBalances(): Promise<bigint[]> {
      return Promise.all(users.map((u) => h.balance(u.accountId)));
    }

    async function cashBalance(): Promise<bigint> {
      const row = await h.app.ctx.storage.db.selectFrom('accounts').select('balance').where('kind', '=', 'system').executeTakeFirstOrThrow();
      return BigInt(row.balance);
    }

    async function send(url: string, user: TestUser, payload: Record<string, unknown>, key: string | undefined) {
      return h.inject({ method: 'POST', url, headers: { ...auth(user), ...(key ? { 'idempotency-key': key } : {}) }, payload });
    }

    it('agrees with a simple model on every outcome and balance, and the books stay sound', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: dialect === 'postgres' ? 8 : 12 }), async (ops) => {
          const model = await storedBalances();
          const cashBefore = await cashBalance();
          let netDeposits = 0n;
          let lastKeyed: Sent | undefined;

          for (const o of ops) {
            if (o.kind === 'retry-last-keyed') {
              if (!lastKeyed) continue;
              const before = await storedBalances();
              const res = await send(lastKeyed.url, lastKeyed.user, lastKeyed.payload, lastKeyed.key);
              assert.equal(res.statusCode, lastKeyed.status);
              assert.equal(res.body, lastKeyed.body);
              assert.equal(res.headers['idempotent-replayed'], 'true');
              assert.deepEqual(await storedBalances(), before, 'a replay moved money');
              continue;
            }

            const actor = userAt(o.who);
            const amountMinor = BigInt(o.amount);
            const key = o.keyed ? crypto.randomUUID() : undefined;
            let url: string;
            let payload: Record<string, unknown>;
            let expected: 'ok' | 'insufficient_funds' | 'same_account';
            if (o.kind === 'deposit') {
              url = '/api/v1/deposits';
              payload = { account_id: actor.accountId, amount: o.amount };
              expected = 'ok';
            } else if (o.kind === 'withdrawal') {
              url = '/api/v1/withdrawals';
              payload = { account_id: actor.accountId, amount: o.amount };
              expected = (model[o.who] ?? 0n) >= amountMinor ? 'ok' : 'insufficient_funds';
            } else {
              const payee = userAt(o.to);
              const to =
                o.payeeBy === 'username' ? payee.username : o.payeeBy === 'number' ? payee.accountNumber : payee.accountNumber.replace(/(\d{4})(?=\d)/g, '$1 ');
              url = '/api/v1/transfers';
              payload = { from_account_id: actor.accountId, to, amount: o.amount };
              expected = o.to === o.who ? 'same_account' : (model[o.who] ?? 0n) >= amountMinor ? 'ok' : 'insufficient_funds';
            }

            const res = await send(url, actor, payload, key);
            const body = res.json();
            if (expected === 'ok') {
              assert.equal(res.statusCode, 201, `${JSON.stringify(o)} -> ${res.body}`);
              if (o.kind === 'deposit') {
                model[o.who] = (model[o.who] ?? 0n) + amountMinor;
                netDeposits += amountMinor;
              } else if (o.kind === 'withdrawal') {
                model[o.who] = (model[o.who] ?? 0n) - amountMinor;
                netDeposits -= amountMinor;
              } else {
                model[o.who] = (model[o.who] ?? 0n) - amountMinor;
                model[o.to] = (model[o.to] ?? 0n) + amountMinor;
                assert.equal(body.transaction.counterparty.username, userAt(o.to).username);
              }
              assert.equal(body.transaction.type, o.kind);
              assert.equal(body.transaction.amount, o.amount);
              assert.equal(body.transaction.direction, o.kind === 'deposit' ? 'credit' : 'debit');
              assert.equal(BigInt(body.transaction.balance_after), model[o.who]);
              assert.equal(body.account.id, actor.accountId);
              assert.equal(BigInt(body.account.balance), model[o.who]);
            } else {
              assert.equal(res.statusCode, 422, `${JSON.stringify(o)} -> ${res.body}`);
              assert.equal(body.error.code, expected);
            }
            if (key) lastKeyed = { url, user: actor, payload, key, status: res.statusCode, body: res.body };

            const stored = await storedBalances();
            assert.deepEqual(stored, model, `after ${JSON.stringify(o)}`);
            for (const b of stored) assert.ok(b >= 0n, 'a user balance went negative');
          }

          // Conservation: what the users gained is exactly what left the bank's cash account.
          const sumBefore = (await storedBalances()).reduce((a, b) => a + b, 0n);
          assert.equal(sumBefore + (await cashBalance()), 0n);
          assert.equal(cashBefore - (await cashBalance()), netDeposits);
          const books = await verifyBooks(h.app.ctx.storage.db);
          assert.deepEqual(books.problems, []);
          assert.equal(books.ok, true);
        }),
        // A failure shrinks against the live database; cap that so a red run still ends promptly.
        { numRuns: runs[dialect], interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
      );
    });

    it('lists each account history newest first, with balances that replay to the stored balance', async () => {
      for (const user of users) {
        const res = await h.inject({ method: 'GET', url: `/api/v1/accounts/${user.accountId}/transactions?limit=100`, headers: auth(user) });
        assert.equal(res.statusCode, 200);
        const { data } = res.json<{ data: { amount: number; direction: string; balance_after: number }[] }>();
        assert.ok(data.length > 0);
        assert.equal(BigInt(data[0]?.balance_after ?? -1), await h.balance(user.accountId));
        // Each row's balance_after minus its signed amount is the next (older) row's balance_after.
        for (let i = 0; i + 1 < data.length; i++) {
          const row = data[i];
          const older = data[i + 1];
          assert.ok(row && older);
          const signed = row.direction === 'credit' ? row.amount : -row.amount;
          assert.equal(row.balance_after - signed, older.balance_after);
        }
      }
    });
  });
}

/*
 * Holds (issue 14 item 2): random sequences of hold, capture, void, expire, withdrawal and transfer
 * among three users must agree with a model of balances, held amounts and hold states: money is
 * conserved, every available balance stays >= 0, each hold resolves once, and verify passes.
 * The sweeper is off (HOLD_SWEEP_INTERVAL_MS=0): `expire` moves the test's clock past the short
 * holds' expiry and sweeps itself, so the model knows when a reserve comes back.
 */
type HoldOp =
  | { kind: 'hold'; who: Who; to: Who; amount: number; short: boolean }
  | { kind: 'capture'; pick: number; part: number | null; byPayer: boolean }
  | { kind: 'void'; pick: number }
  | { kind: 'expire' }
  | { kind: 'withdrawal'; who: Who; amount: number }
  | { kind: 'transfer'; who: Who; to: Who; amount: number };

const holdOp: fc.Arbitrary<HoldOp> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('hold' as const), who, to: who, amount, short: fc.boolean() }), weight: 5 },
  {
    arbitrary: fc.record({
      kind: fc.constant('capture' as const),
      pick: fc.nat(20),
      part: fc.option(fc.integer({ min: 1, max: 3000 })),
      byPayer: fc.boolean(),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat(20) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'expire' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('withdrawal' as const), who, amount }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('transfer' as const), who, to: who, amount }), weight: 2 },
);

interface ModelHold {
  id: string;
  from: Who;
  to: Who;
  amount: bigint;
  expiresAtMs: number;
  pending: boolean;
}

for (const dialect of await dialects()) {
  describe(`ledger model with holds (${dialect})`, () => {
    let h: Harness;
    let users: TestUser[];
    let offsetMs = 0;
    // Across runs: a short hold from an earlier run expires in a later one.
    const holds: ModelHold[] = [];
    before(async () => {
      h = await createHarness(dialect, { clock: { nowMs: () => Date.now() + offsetMs }, config: { holdSweepIntervalMs: 0, tokenTtlSeconds: 86_400 } });
      users = [await h.user('hold-ann'), await h.user('hold-ben'), await h.user('hold-cy')];
      for (const u of users) await h.deposit(u, 2_000);
    });
    after(async () => h.close());

    const rows = async () =>
      Promise.all(
        users.map(async (u) => {
          const r = await h.app.ctx.storage.db.selectFrom('accounts').select(['balance', 'held']).where('id', '=', u.accountId).executeTakeFirstOrThrow();
          return { balance: BigInt(r.balance), held: BigInt(r.held) };
        }),
      );
    const post = (url: string, user: TestUser, payload?: Record<string, unknown>) => h.inject({ method: 'POST', url, headers: auth(user), payload });

    it('conserves money, keeps every available balance >= 0 and resolves each hold once', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(holdOp, { minLength: 1, maxLength: dialect === 'postgres' ? 8 : 12 }), async (ops) => {
          const start = await rows();
          const balance = start.map((r) => r.balance);
          const held = start.map((r) => r.held);
          const available = (i: Who) => balance[i]! - held[i]!;
          const pendingAt = (pick: number) => {
            const open = holds.filter((x) => x.pending);
            return open.length === 0 ? undefined : open[pick % open.length];
          };
          for (const o of ops) {
            if (o.kind === 'expire') {
              offsetMs += 61_000;
              await sweepExpiredHolds(h.app.ctx);
              for (const x of holds.filter((x) => x.pending && x.expiresAtMs <= Date.now() + offsetMs)) {
                x.pending = false;
                held[x.from]! -= x.amount;
              }
            } else if (o.kind === 'hold') {
              const a = BigInt(o.amount);
              const res = await post('/api/v1/holds', users[o.who]!, {
                from_account_id: users[o.who]!.accountId,
                to: users[o.to]!.username,
                amount: o.amount,
                expires_in: o.short ? 60 : 86_400,
              });
              const expected = o.who === o.to ? 'same_account' : available(o.who) >= a ? 'ok' : 'insufficient_funds';
              if (expected === 'ok') {
                assert.equal(res.statusCode, 201, res.body);
                held[o.who]! += a;
                holds.push({ id: res.json().hold.id, from: o.who, to: o.to, amount: a, expiresAtMs: Date.parse(res.json().hold.expires_at), pending: true });
                assert.equal(BigInt(res.json().account.available_balance), available(o.who));
              } else assert.equal(res.json().error.code, expected, res.body);
            } else if (o.kind === 'capture' || o.kind === 'void') {
              const x = pendingAt(o.pick);
              if (!x) continue;
              const by = o.kind === 'capture' && o.byPayer ? users[x.from]! : users[x.to]!;
              const part = o.kind === 'capture' ? o.part : null;
              const res = await post(`/api/v1/holds/${x.id}/${o.kind}`, by, o.kind === 'capture' && part !== null ? { amount: part } : undefined);
              if (o.kind === 'capture' && o.byPayer) assert.equal(res.statusCode, 404);
              else if (part !== null && BigInt(part) > x.amount) assert.equal(res.json().error.code, 'amount_exceeds_hold');
              else {
                assert.equal(res.statusCode, o.kind === 'capture' ? 201 : 200, res.body);
                x.pending = false;
                held[x.from]! -= x.amount;
                if (o.kind === 'capture') {
                  const taken = part === null ? x.amount : BigInt(part);
                  balance[x.from]! -= taken;
                  balance[x.to]! += taken;
                }
                const again = await post(`/api/v1/holds/${x.id}/void`, users[x.to]!);
                assert.equal(again.json().error.code, 'hold_not_pending');
              }
            } else {
              const a = BigInt(o.amount);
              const res =
                o.kind === 'withdrawal'
                  ? await post('/api/v1/withdrawals', users[o.who]!, { account_id: users[o.who]!.accountId, amount: o.amount })
                  : await post('/api/v1/transfers', users[o.who]!, { from_account_id: users[o.who]!.accountId, to: users[o.to]!.username, amount: o.amount });
              const expected = o.kind === 'transfer' && o.to === o.who ? 'same_account' : available(o.who) >= a ? 'ok' : 'insufficient_funds';
              if (expected !== 'ok') assert.equal(res.json().error.code, expected, res.body);
              else {
                assert.equal(res.statusCode, 201, res.body);
                balance[o.who]! -= a;
                if (o.kind === 'transfer') balance[o.to]! += a;
              }
            }
            const stored = await rows();
            assert.deepEqual(
              stored.map((r) => [r.balance, r.held]),
              balance.map((b, i) => [b, held[i]]),
              `after ${JSON.stringify(o)}`,
            );
            for (const r of stored) assert.ok(r.balance - r.held >= 0n, 'an available balance went negative');
          }
          const books = await verifyBooks(h.app.ctx.storage.db);
          assert.deepEqual(books.problems, []);
        }),
        { numRuns: runs[dialect], interruptAfterTimeLimit: 30_000, markInterruptAsFailure: true },
      );
    });
  });
}
