/**
 * Sealing inside PostgreSQL (migration 021's `minibank_seal_round`, issue 16's cost target): every
 * link the database seals must equal what the TypeScript encoder (`chainHash`, the reference that
 * `minibank verify` recomputes with) and the first version of the encoder give, byte for byte, for
 * the transactions where an SQL encoding could slip: memo null / empty / ASCII / non-ASCII / astral,
 * actors null and set, a negative created_at (two's complement), entries whose UTF-8 order differs
 * from JavaScript's UTF-16 order, one account twice (amount, then balance_after, decide), a reversal
 * (the `reversal_of` extension), deposits and withdrawals against the system account; sealed over
 * several rounds so `more` and the horizon rule are exercised. Also: busy when another sealer holds
 * the lock, a damaged head refused, and an edit made afterwards still found by verify.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { chainHash, sealChain } from '../../src/app/seal-chain.js';
import { verifyBooks } from '../../src/app/verify-books.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { chainedTransactions, openSealRound, sealRoundInDatabase } from '../../src/storage/repositories/chain-seal-repository.js';
import type { Db, Trx } from '../../src/storage/storage.js';
import { referenceEncodeChainLink } from '../helpers/chain-encoding-reference.js';
import { auth, createHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { liftAppendOnly } from '../helpers/ledger-tamper.js';
import { postgresAvailable } from '../helpers/postgres.js';

const pgUp = await postgresAvailable();

/** U+FF61 sorts after U+1F600 in UTF-16 (0xFF61 > 0xD83D) but before it in UTF-8 (0xEF < 0xF0). */
const BMP_HIGH = 'acct-\uFF61';
const ASTRAL = 'acct-\u{1F600}';
const EMOJI_MEMO = 'rent \u{1F3E0} and \u{1F4B8}';

type Leg = [accountId: string, amount: bigint];
interface Posting {
  memo: string | null;
  actor?: { user: string | null; token: string | null; session: string | null };
  createdAtMs?: bigint;
  type?: 'deposit' | 'withdrawal' | 'transfer';
  reversalOf?: string;
  legs: Leg[];
}

/**
 * Writes one balanced ledger transaction directly (as the movement path would, balances kept):
 * each leg's balance_after is the account's running balance and the cached balance follows, so
 * `minibank verify`'s books check still passes. Returns the transaction's id.
 */
async function post(trx: Trx, p: Posting): Promise<string> {
  const id = crypto.randomUUID();
  const row = await trx
    .insertInto('ledger_transactions')
    .values({
      id,
      type: p.type ?? 'transfer',
      memo: p.memo,
      actor_user_id: p.actor?.user ?? null,
      actor_token_id: p.actor?.token ?? null,
      actor_session_id: p.actor?.session ?? null,
      created_at: p.createdAtMs ?? 1_800_000_000_000n,
      reversal_of: p.reversalOf ?? null,
    })
    .returning('seq')
    .executeTakeFirstOrThrow();
  for (const [accountId, amount] of p.legs) {
    const account = await trx
      .updateTable('accounts')
      .set({ balance: sql`balance + ${amount}` })
      .where('id', '=', accountId)
      .returning('balance')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('entries')
      .values({ transaction_seq: row.seq, account_id: accountId, amount, balance_after: BigInt(account.balance), created_at: 0n })
      .execute();
  }
  return id;
}

/** A bank whose ledger holds every case the SQL encoding must get right; returns the ids of note. */
async function trickyBank(h: Harness): Promise<{ alice: TestUser; emojiMemo: string; count: number }> {
  const alice = await h.user('alice');
  const bob = await h.user('bob');
  const db = h.app.ctx.storage.db;
  // Through the API: a deposit and a withdrawal (the system account's legs), transfers with and without a memo.
  await h.deposit(alice, 10_000);
  const withdrawal = await h.inject({
    method: 'POST',
    url: '/api/v1/withdrawals',
    headers: auth(alice),
    payload: { account_id: alice.accountId, amount: 250 },
  });
  assert.equal(withdrawal.statusCode, 201, withdrawal.body);
  for (const memo of [undefined, 'caf\u00e9 \u00fcber \u4e2d\u6587', EMOJI_MEMO]) {
    const res = await h.inject({
      method: 'POST',
      url: '/api/v1/transfers',
      headers: auth(alice),
      payload: { from_account_id: alice.accountId, to: 'bob', amount: 100, ...(memo ? { memo } : {}) },
    });
    assert.equal(res.statusCode, 201, res.body);
  }
  // Directly: what the API never writes (an empty memo, a negative time, odd account ids).
  const { currency } = await db.selectFrom('accounts').select('currency').where('id', '=', alice.accountId).executeTakeFirstOrThrow();
  const system = await db.selectFrom('accounts').select('id').where('kind', '=', 'system').where('currency', '=', currency).executeTakeFirstOrThrow();
  const s = system.id;
  let emojiMemo = '';
  await h.app.ctx.storage.writeTransaction(async (trx) => {
    for (const [id, number] of [
      [BMP_HIGH, '90000001'],
      [ASTRAL, '90000002'],
      ['acct-\u00e9', '90000003'],
    ] as const) {
      await trx
        .insertInto('accounts')
        .values({ id, number, user_id: alice.userId, kind: 'user', currency, balance: 0n, status: 'active', created_at: 0n })
        .execute();
    }
    await post(trx, {
      memo: null,
      type: 'deposit',
      legs: [
        [s, -100n],
        [BMP_HIGH, 100n],
      ],
    });
    const reversed = await post(trx, {
      memo: null,
      type: 'deposit',
      legs: [
        [s, -30n],
        ['acct-\u00e9', 30n],
      ],
    });
    await post(trx, {
      memo: '',
      actor: { user: alice.userId, token: 'tok-1', session: null },
      type: 'deposit',
      legs: [
        [s, -50n],
        [ASTRAL, 50n],
      ],
    });
    // One account twice: UTF-8 account order (BMP_HIGH before ASTRAL), then amount (-2 before -1),
    // which here is the opposite of their balance_after order (98 after -2, then 97 after -1).
    await post(trx, {
      memo: 'ASCII memo',
      actor: { user: null, token: null, session: 'sess-1' },
      legs: [
        [ASTRAL, 3n],
        [BMP_HIGH, -2n],
        [BMP_HIGH, -1n],
      ],
    });
    // Same account and amount twice, written in descending balance_after: that decides; a created_at before 1970.
    await post(trx, {
      memo: 'x',
      createdAtMs: -1_234_567_890_123n,
      legs: [
        [bob.accountId, -1n],
        [bob.accountId, -1n],
        ['acct-\u00e9', 5n],
        [ASTRAL, -3n],
      ],
    });
    emojiMemo = await post(trx, {
      memo: EMOJI_MEMO,
      actor: { user: alice.userId, token: 'tok-2', session: 'sess-2' },
      legs: [
        [ASTRAL, -1n],
        [bob.accountId, 1n],
      ],
    });
    // A deposit's reversal (its link hashed as the `reversal_of` extension), mirroring it as verify requires.
    await post(trx, {
      memo: 'reversal',
      type: 'withdrawal',
      reversalOf: reversed,
      legs: [
        ['acct-\u00e9', -30n],
        [s, 30n],
      ],
    });
  });
  const count = Number(
    (
      await db
        .selectFrom('ledger_transactions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  return { alice, emojiMemo, count };
}

/** Every chain row's hash equals chainHash and the first encoder's SHA-256, each from the stored previous hash. */
async function assertLinksMatchTypeScript(db: Db): Promise<number> {
  const chain = await db.selectFrom('ledger_chain').select(['position', 'transaction_seq', 'transaction_id', 'hash', 'encoding']).orderBy('position').execute();
  const txns = await chainedTransactions(
    db,
    chain.map((r) => BigInt(r.transaction_seq)),
  );
  let previous = '0'.repeat(64);
  for (const [i, row] of chain.entries()) {
    const position = BigInt(row.position);
    assert.equal(position, BigInt(i + 1));
    assert.equal(row.encoding, 1);
    const txn = txns.get(BigInt(row.transaction_seq));
    assert.ok(txn, `position ${position}'s transaction is there`);
    assert.equal(txn.id, row.transaction_id);
    assert.equal(row.hash, chainHash(txn, position, previous), `position ${position} (${JSON.stringify(txn.memo)})`);
    assert.equal(
      row.hash,
      crypto
        .createHash('sha256')
        .update(referenceEncodeChainLink(txn, position, previous))
        .digest('hex'),
    );
    previous = row.hash;
  }
  return chain.length;
}

/** One round in the database, committed: what seal-chain.ts runs on PostgreSQL, with a chosen limit. */
const round = (h: Harness, limit: number) => h.app.ctx.storage.writeTransaction((trx) => sealRoundInDatabase(trx, limit, 1_900_000_000_000n));

const horizons = async (db: Db) =>
  (await db.selectFrom('ledger_chain').select('horizon').orderBy('position').execute()).map((r) => (r.horizon === null ? null : BigInt(r.horizon)));

/** A seal outcome without its timing (workMs varies run to run). */
const counts = ({ sealed, busy }: { sealed: number; busy: boolean }) => ({ sealed, busy });

describe('sealing inside PostgreSQL (migration 021)', { skip: !pgUp && 'no PostgreSQL (see the notice above)' }, () => {
  it('seals every tricky transaction, over several rounds, with the hash the TypeScript encoder gives', async () => {
    const h = await createHarness('postgres');
    try {
      const db = h.app.ctx.storage.db;
      const { count } = await trickyBank(h);
      assert.equal(count, 12); // 5 through the API, 7 directly: the last of 3 rounds is not full
      // The cases are real: JavaScript's own order of the two ids is the opposite of their UTF-8 order.
      assert.ok(ASTRAL < BMP_HIGH);

      // Rounds of 5: full rounds say `more` and keep the head's horizon (none yet); the last one records one.
      const outcomes = [];
      for (let more = true; more;) {
        const outcome = await round(h, 5);
        assert.notEqual(outcome, 'busy');
        if (outcome === 'busy') break;
        outcomes.push(outcome);
        more = outcome.more;
      }
      assert.deepEqual(
        outcomes.map((o) => o.sealed),
        [...Array.from({ length: Math.floor(count / 5) }, () => 5), count % 5],
      );
      assert.deepEqual(
        outcomes.map((o) => o.more),
        outcomes.map((_, i) => i < outcomes.length - 1),
      );
      const stored = await horizons(db);
      assert.deepEqual(stored.slice(0, count - (count % 5)), Array(count - (count % 5)).fill(null));
      assert.ok(stored.slice(count - (count % 5)).every((x) => x !== null && x > 0n));
      assert.deepEqual(await round(h, 5), { sealed: 0, more: false });

      assert.equal(await assertLinksMatchTypeScript(db), count);
      const sealedAt = await db.selectFrom('ledger_chain').select('sealed_at').distinct().execute();
      assert.deepEqual(
        sealedAt.map((r) => BigInt(r.sealed_at)),
        [1_900_000_000_000n],
      );

      // Chained on from a head sealed in the database, by the server's own path (one round, horizon windowed).
      await trickyBankMore(h);
      const outcome = await sealChain(h.app.ctx);
      assert.deepEqual(counts(outcome), { sealed: 2, busy: false });
      assert.equal(await assertLinksMatchTypeScript(db), count + 2);
      assert.deepEqual((await verifyChain(db)).problems, []);
      const books = await verifyBooks(db);
      assert.deepEqual(books.problems, []);
      assert.equal(books.ok, true);
    } finally {
      await h.close();
    }
  });

  it('seals a backlog past the SQLite round size (500) in one round: one horizon for all of it, so the next round does not read it again', async () => {
    const h = await createHarness('postgres');
    try {
      const db = h.app.ctx.storage.db;
      const user = await h.user('backlog');
      await h.deposit(user, 1);
      await sealChain(h.app.ctx); // a head with a horizon, as on a running bank
      for (let i = 0; i < 600; i++) await h.deposit(user, 1);
      assert.deepEqual(counts(await sealChain(h.app.ctx)), { sealed: 600, busy: false });
      // A full round keeps the old horizon (docs/ledger.md "Sealing"); a round of 500 would have left
      // two horizons in these 600 rows.
      const horizons = await sql<{ horizon: string | null }>`select distinct horizon from ledger_chain where position > 1`.execute(db);
      assert.equal(horizons.rows.length, 1, `one round: ${horizons.rows.map((r) => String(r.horizon)).join(', ')}`);
      assert.deepEqual((await verifyChain(db)).problems, []);
    } finally {
      await h.close();
    }
  });

  it("encodes a transaction without entries as a count of 0, between two with entries (022 reads a round's entries at once)", async () => {
    const h = await createHarness('postgres');
    try {
      const db = h.app.ctx.storage.db;
      const alice = await h.user('alice');
      const bob = await h.user('bob');
      await h.deposit(alice, 1_000);
      // A balanced ledger never writes one, but the encoding allows it, and a round must not lend it a neighbour's entries.
      await h.app.ctx.storage.writeTransaction(async (trx) => {
        for (const legs of [
          [
            [alice.accountId, -7n],
            [bob.accountId, 7n],
          ],
          [],
          [
            [alice.accountId, -9n],
            [bob.accountId, 9n],
          ],
        ] as Leg[][]) {
          await post(trx, { memo: null, legs });
        }
      });
      assert.deepEqual(counts(await sealChain(h.app.ctx)), { sealed: 4, busy: false });
      assert.equal(await assertLinksMatchTypeScript(db), 4);
    } finally {
      await h.close();
    }
  });

  it('still names a transaction edited after the database sealed it', async () => {
    const h = await createHarness('postgres');
    try {
      const db = h.app.ctx.storage.db;
      const { emojiMemo } = await trickyBank(h);
      await sealChain(h.app.ctx);
      assert.deepEqual((await verifyChain(db)).problems, []);
      await liftAppendOnly(db, 'postgres');
      // One astral character changed for another of the same length: only the hash can tell.
      await db
        .updateTable('ledger_transactions')
        .set({ memo: EMOJI_MEMO.replace('\u{1F4B8}', '\u{1F4B0}') })
        .where('id', '=', emojiMemo)
        .execute();
      const report = await verifyChain(db);
      assert.equal(report.ok, false);
      assert.match(report.problems[0]!, new RegExp(`transaction ${emojiMemo} does not match its chain hash`));
    } finally {
      await h.close();
    }
  });

  it('seals nothing and says busy while another sealer holds the lock; seals all once it is free; refuses the round by seq', async () => {
    const h = await createHarness('postgres');
    const other = new pg.Client({ connectionString: h.config.databaseUrl });
    try {
      const db = h.app.ctx.storage.db;
      const user = await h.user('waiting');
      await h.deposit(user, 10);
      await other.connect();
      await other.query('begin');
      await other.query('select pg_advisory_xact_lock(7886488577209688683)');
      assert.equal(await round(h, 5), 'busy');
      assert.deepEqual(counts(await sealChain(h.app.ctx)), { sealed: 0, busy: true });
      assert.equal((await db.selectFrom('ledger_chain').select('position').execute()).length, 0);
      await other.query('rollback');
      assert.deepEqual(counts(await sealChain(h.app.ctx)), { sealed: 1, busy: false });
      assert.equal(await assertLinksMatchTypeScript(db), 1);
      // Nothing left: the idle check answers without a round, so a held lock is not even noticed.
      await other.query('begin');
      await other.query('select pg_advisory_xact_lock(7886488577209688683)');
      assert.deepEqual(counts(await sealChain(h.app.ctx)), { sealed: 0, busy: false });
      await other.query('rollback');
      // SQLite's round by seq is refused here: seq is not commit order on PostgreSQL.
      await assert.rejects(
        h.app.ctx.storage.writeTransaction((trx) => openSealRound(trx, 5)),
        /PostgreSQL seals in the database/,
      );
    } finally {
      await other.end().catch(() => {});
      await h.close();
    }
  });

  const INDEX_ONLY_PLANS = ['plan_cache_mode=force_custom_plan', 'enable_seqscan=off', 'enable_hashjoin=off', 'enable_mergejoin=off', 'jit=off'];
  it('plans both functions afresh on each call and through indexes only, so neither reads the whole chain as it grows', async () => {
    const h = await createHarness('postgres');
    try {
      const rows = await sql<{ name: string; config: string[] | null }>`
        select proname as name, proconfig as config from pg_proc
        where proname in ('minibank_seal_round', 'minibank_chain_has_unsealed') order by proname`.execute(h.app.ctx.storage.db);
      assert.deepEqual(rows.rows, [
        { name: 'minibank_chain_has_unsealed', config: INDEX_ONLY_PLANS },
        { name: 'minibank_seal_round', config: INDEX_ONLY_PLANS },
      ]);
    } finally {
      await h.close();
    }
  });

  it('refuses to chain on from a head whose stored hash is not lower-case hex, and seals nothing', async () => {
    for (const damaged of ['ABCDEF'.padEnd(64, '0'), 'not a hash']) {
      const h = await createHarness('postgres');
      try {
        const db = h.app.ctx.storage.db;
        const user = await h.user('damaged');
        await h.deposit(user, 10);
        await sealChain(h.app.ctx);
        await liftAppendOnly(db, 'postgres');
        await db.updateTable('ledger_chain').set({ hash: damaged }).where('position', '=', 1n).execute();
        await h.deposit(user, 20);
        await assert.rejects(round(h, 5), /ledger_chain position 1 holds no SHA-256 hash in lower-case hex/, damaged);
        assert.equal((await db.selectFrom('ledger_chain').select('position').execute()).length, 1);
      } finally {
        await h.close();
      }
    }
  });
});

/** Two more transactions after the first chain: one with every actor set and an astral memo, one with none. */
async function trickyBankMore(h: Harness): Promise<void> {
  const alice = await h.app.ctx.storage.db.selectFrom('users').select('id').where('username', '=', 'alice').executeTakeFirstOrThrow();
  await h.app.ctx.storage.writeTransaction((trx) =>
    post(trx, {
      memo: '\u{1F600}',
      actor: { user: alice.id, token: 't', session: 's' },
      legs: [
        [ASTRAL, -1n],
        [BMP_HIGH, 1n],
      ],
    }),
  );
  await h.app.ctx.storage.writeTransaction((trx) =>
    post(trx, {
      memo: null,
      legs: [
        [BMP_HIGH, -1n],
        [ASTRAL, 1n],
      ],
    }),
  );
}
