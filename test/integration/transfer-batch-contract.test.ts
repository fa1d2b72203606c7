/**
 * PostgreSQL's batched transfers (issue 17 item 5) answer every contract case of POST
 * /api/v1/transfers exactly as today's path does: the same requests, on two banks set up the same
 * way (one batched, one with PG_TRANSFER_BATCH_MAX=0), give the same status and body (ids, numbers
 * and times aside), write the same notices, and their stored outcomes replay the same. Skipped
 * loudly without PostgreSQL, a failure under CI (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { followLedger } from '../../src/app/follow-ledger.js';
import { transferBatcherOf } from '../../src/app/batched-transfers.js';
import { outcomeOfFacts, MOVEMENT_FACTS_FORMAT } from '../../src/app/movement-facts.js';
import { readStoredOutcome, storeOutcome, TYPED_OUTCOME_STATUS } from '../../src/app/stored-outcome.js';
import { makeAccountNumber } from '../../src/domain/account-number.js';
import { auth, createHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { postgresAvailable } from '../helpers/postgres.js';

interface Bank {
  h: Harness;
  alice: TestUser;
  bob: TestUser;
  carol: TestUser;
  bobEuro: string;
}

/** Alice pays; Bob has a EUR account too; Carol's account is frozen; Dave's closed (his number only). */
async function bank(batchMax: number): Promise<Bank & { daveNumber: string }> {
  const h = await createHarness('postgres', { config: { pgTransferBatchMax: batchMax } });
  const [alice, bob, carol, dave] = [await h.user('alice'), await h.user('bob'), await h.user('carol'), await h.user('dave')];
  await h.deposit(alice, 1000);
  await h.deposit(carol, 1000);
  const euro = await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(bob), payload: { currency: 'EUR', name: 'Euro' } });
  assert.equal(euro.statusCode, 201, euro.body);
  const db = h.app.ctx.storage.db;
  await sql`update accounts set status = 'frozen' where id = ${carol.accountId}`.execute(db);
  await sql`update accounts set closed_at = 1 where id = ${dave.accountId}`.execute(db);
  // Alice hears of every payment she makes (a "money sent" notice above 0).
  await sql`insert into notification_settings (user_id, email_off, sent_threshold_minor) values (${alice.userId}, '', 0)`.execute(db);
  return { h, alice, bob, carol, bobEuro: euro.json().account?.number ?? euro.json().number, daveNumber: dave.accountNumber };
}

type Case = (b: Bank & { daveNumber: string }) => { user: TestUser; key: string; payload: Record<string, unknown> };

const cases: Record<string, Case> = {
  'success 201': (b) => ({ user: b.alice, key: 'ok-1', payload: { from_account_id: b.alice.accountId, to: b.bob.accountNumber, amount: 125, memo: 'rent' } }),
  'replay, same body': (b) => ({
    user: b.alice,
    key: 'ok-1',
    payload: { from_account_id: b.alice.accountId, to: b.bob.accountNumber, amount: 125, memo: 'rent' },
  }),
  'conflict, another body': (b) => ({ user: b.alice, key: 'ok-1', payload: { from_account_id: b.alice.accountId, to: b.bob.accountNumber, amount: 126 } }),
  'insufficient funds': (b) => ({ user: b.alice, key: 'poor', payload: { from_account_id: b.alice.accountId, to: b.bob.accountNumber, amount: 5000 } }),
  'insufficient funds, replayed': (b) => ({
    user: b.alice,
    key: 'poor',
    payload: { from_account_id: b.alice.accountId, to: b.bob.accountNumber, amount: 5000 },
  }),
  'frozen payer': (b) => ({ user: b.carol, key: 'frozen', payload: { from_account_id: b.carol.accountId, to: b.bob.accountNumber, amount: 5 } }),
  'frozen payee': (b) => ({ user: b.alice, key: 'to-frozen', payload: { from_account_id: b.alice.accountId, to: b.carol.accountNumber, amount: 5 } }),
  'closed payee': (b) => ({ user: b.alice, key: 'closed', payload: { from_account_id: b.alice.accountId, to: b.daveNumber, amount: 5 } }),
  'unknown payee': (b) => ({ user: b.alice, key: 'nobody', payload: { from_account_id: b.alice.accountId, to: makeAccountNumber('0000000001'), amount: 5 } }),
  'same account': (b) => ({ user: b.alice, key: 'self', payload: { from_account_id: b.alice.accountId, to: b.alice.accountNumber, amount: 5 } }),
  'currency mismatch': (b) => ({ user: b.alice, key: 'euro', payload: { from_account_id: b.alice.accountId, to: b.bobEuro, amount: 5 } }),
  'not your account': (b) => ({ user: b.alice, key: 'theirs', payload: { from_account_id: b.bob.accountId, to: b.carol.accountNumber, amount: 5 } }),
  'a second success': (b) => ({ user: b.alice, key: 'ok-2', payload: { from_account_id: b.alice.accountId, to: b.bob.accountNumber, amount: 1 } }),
};

const expected: Record<string, string> = {
  'success 201': '201',
  'replay, same body': '201',
  'conflict, another body': '409 idempotency_conflict',
  'insufficient funds': '422 insufficient_funds',
  'insufficient funds, replayed': '422 insufficient_funds',
  'frozen payer': '422 account_frozen',
  'frozen payee': '422 account_frozen',
  'closed payee': '422 account_closed',
  'unknown payee': '404 not_found',
  'same account': '422 same_account',
  'currency mismatch': '422 currency_mismatch',
  'not your account': '404 not_found',
  'a second success': '201',
};

/** The answer without what differs between two banks by chance: ids, account numbers, times, request ids. */
function comparable(body: string): unknown {
  return JSON.parse(body, (key, value: unknown) => (['id', 'number', 'account_number', 'created_at', 'request_id'].includes(key) ? '*' : value));
}

const pg = await postgresAvailable();

describe('batched transfers answer as today’s path (PostgreSQL)', { skip: !pg && 'no PostgreSQL (see the notice above)' }, () => {
  let batched: Bank & { daveNumber: string };
  let unbatched: Bank & { daveNumber: string };
  before(async () => {
    batched = await bank(64);
    unbatched = await bank(0);
  });
  after(async () => {
    await batched?.h.close();
    await unbatched?.h.close();
  });

  it('gives the same status and body for every contract case, in order', async () => {
    for (const [name, make] of Object.entries(cases)) {
      const answers = [];
      for (const b of [batched, unbatched]) {
        const { user, key, payload } = make(b);
        const res = await b.h.inject({ method: 'POST', url: '/api/v1/transfers', headers: { ...auth(user), 'idempotency-key': key }, payload });
        answers.push({ status: res.statusCode, body: comparable(res.body) });
      }
      assert.deepEqual(answers[0], answers[1], name);
      const body = answers[0]!.body as { error?: { code: string } };
      assert.equal(`${answers[0]!.status} ${body.error?.code ?? ''}`.trim(), expected[name], name);
    }
    // The batched bank did take the new path: every case but the conflict (today's path names it).
    assert.ok(transferBatcherOf(batched.h.app.ctx)!.stats.transfers >= Object.keys(cases).length - 1);
    assert.equal(await batched.h.balance(batched.alice.accountId), 1000n - 126n);
    assert.equal(await batched.h.balance(batched.bob.accountId), 126n);
  });

  it('writes the same notices and ledger rows', async () => {
    // Notices are written after commit, from the sealed ledger, for both paths alike.
    const notices = async (b: Bank) => {
      await followLedger(b.h.app.ctx);
      return (
        await sql<{
          username: string;
          kind: string;
          text: string;
        }>`select u.username, n.kind, n.text from notifications n join users u on u.id = n.user_id where n.kind like 'money%' order by u.username, n.seq`.execute(
          b.h.app.ctx.storage.db,
        )
      ).rows;
    };
    assert.deepEqual(await notices(batched), await notices(unbatched));
    assert.ok((await notices(batched)).some((n) => n.kind === 'money_sent' && n.text === 'You sent 1.25 USD to bob.'));
    const ledger = async (b: Bank) =>
      (
        await sql<{
          type: string;
          memo: string | null;
          amount: string;
          balance_after: string;
          commit_xid: string | null;
        }>`select t.type, t.memo, e.amount::text, e.balance_after::text, t.commit_xid::text from entries e join ledger_transactions t on t.seq = e.transaction_seq order by e.seq`.execute(
          b.h.app.ctx.storage.db,
        )
      ).rows;
    const rows = await ledger(batched);
    assert.ok(
      rows.every((r) => r.commit_xid !== null),
      'commit_xid is set on every batched ledger transaction',
    );
    const strip = (rs: typeof rows) => rs.map(({ commit_xid: _xid, ...r }) => r);
    assert.deepEqual(strip(rows), strip(await ledger(unbatched)));
  });

  it('runs the batch function without sequential scans, and keeps migration 019’s version for instances of the previous release', async () => {
    // A plan cached while idempotency_keys was empty read the table whole once per transfer, ever
    // slower as it grew (1,049/s falling to 244/s over 12,000 transfers): transfer-batch-sql.ts.
    const rows = await sql<{ args: number; config: string[] | null }>`select pronargs as args, proconfig as config from pg_proc
      where proname = 'minibank_transfer_batch' order by pronargs`.execute(batched.h.app.ctx.storage.db);
    assert.deepEqual(
      rows.rows.map((r) => [Number(r.args), r.config]),
      [
        [13, ['enable_seqscan=off', 'jit=off']],
        [18, null],
      ],
    );
  });

  it('stores facts that read back as the answer was given, and as the older format would store it', async () => {
    const rows = (
      await sql<{ response_status: number; response_body: string }>`select response_status, response_body from idempotency_keys`.execute(
        batched.h.app.ctx.storage.db,
      )
    ).rows;
    const facts = rows.filter((r) => (JSON.parse(r.response_body) as { format: string }).format === MOVEMENT_FACTS_FORMAT);
    assert.ok(facts.some((r) => r.response_body.includes('"moved"')) && facts.some((r) => r.response_body.includes('"refused"')));
    for (const row of facts) {
      assert.equal(row.response_status, TYPED_OUTCOME_STATUS);
      const answer = outcomeOfFacts(JSON.parse(row.response_body) as Record<string, unknown>);
      assert.deepEqual(readStoredOutcome({ status: row.response_status, body: row.response_body }), answer);
      assert.deepEqual(readStoredOutcome(storeOutcome(answer)), answer);
    }
  });
});
