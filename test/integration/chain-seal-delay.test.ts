/**
 * The sealing delay bound (issue 16 item 1; contract "Statements and the ledger chain": a
 * transaction is sealed within CHAIN_SEAL_MAX_DELAY_MS of its commit), on both databases: the
 * sealer's tick derives from the setting, a transfer committed while the sealer runs is sealed on a
 * later tick, and a listening server (the real process) seals what it commits without being asked.
 * No assertion is tight in time: waits poll a bounded number of times (harness waitFor), and the
 * only figure compared is the setting plus a margin of ten seconds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealTickMs, startChainSealer } from '../../src/app/chain-sealer.js';
import { loadConfig } from '../../src/config.js';
import type { Db } from '../../src/storage/storage.js';
import { apiCaller, signedUpOverHttp, startServer } from '../e2e/server-process.js';
import { auth, dialects, PASSWORD, waitFor, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { createTempPgDatabase } from '../helpers/postgres.js';

/** The setting the tests run with: short, so a tick is well inside it. */
const MAX_DELAY_MS = 400;
/** Room for a busy machine on top of the setting (never the thing under test). */
const MARGIN_MS = 10_000;
const POLL_MS = 20;
/** Polls enough for the setting plus the margin. */
const ATTEMPTS = Math.ceil((MAX_DELAY_MS + MARGIN_MS) / POLL_MS);

const sealedRow = (db: Db, id: string) => db.selectFrom('ledger_chain').select(['position', 'sealed_at']).where('transaction_id', '=', id).executeTakeFirst();

/** The few fields of the API's answers this test reads. */
interface Answer {
  access_token?: string;
  account?: { id: string };
  transaction?: { created_at: string };
  seq?: number;
  sealed_at?: string;
}

async function transfer(h: Harness, from: TestUser, to: string, amount: number): Promise<{ id: string; createdAtMs: number }> {
  const res = await h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(from), payload: { from_account_id: from.accountId, to, amount } });
  assert.equal(res.statusCode, 201, res.body);
  const txn = res.json().transaction;
  return { id: txn.id as string, createdAtMs: Date.parse(txn.created_at as string) };
}

describe('the sealer tick derives from CHAIN_SEAL_MAX_DELAY_MS', () => {
  it('pauses for half of the setting between ticks (at least 10 ms), always inside it, and 0 means no sealer', () => {
    assert.equal(loadConfig({}).chainSealMaxDelayMs, 1000, 'the contract default');
    for (const [setting, tick] of [
      ['1000', 500],
      ['400', 200],
      ['2000', 1000],
      ['40', 20],
      ['20', 10],
      ['1', 10],
    ] as const) {
      const maxDelayMs = loadConfig({ CHAIN_SEAL_MAX_DELAY_MS: setting }).chainSealMaxDelayMs;
      assert.equal(sealTickMs(maxDelayMs), tick, `setting ${setting}`);
      if (maxDelayMs >= 40) assert.ok(sealTickMs(maxDelayMs) * 2 <= maxDelayMs, `a tick leaves at least half of ${setting} ms for the round`);
    }
    assert.equal(loadConfig({ CHAIN_SEAL_MAX_DELAY_MS: '0' }).chainSealMaxDelayMs, 0);
  });
});

for (const dialect of await dialects()) {
  describe(`the sealing delay bound (${dialect})`, () => {
    it(`a running sealer ticks at the tick of its setting and seals a transfer committed meanwhile within ${MAX_DELAY_MS} ms (+ margin)`, async () => {
      await withHarness(dialect, { config: { chainSealMaxDelayMs: MAX_DELAY_MS } }, async (h) => {
        const db = h.app.ctx.storage.db;
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 1000);
        const first = await transfer(h, alice, 'bob', 1);
        // Nobody seals in a bare app: what follows is the sealer's work.
        assert.equal(await sealedRow(db, first.id), undefined);
        const errors: unknown[] = [];
        const sealer = startChainSealer(h.app.ctx, h.config.chainSealMaxDelayMs, (e) => errors.push(e));
        try {
          assert.equal(sealer.tickMs, sealTickMs(MAX_DELAY_MS));
          await waitFor('the first round', async () => (await sealedRow(db, first.id)) !== undefined, { attempts: ATTEMPTS, pauseMs: POLL_MS });
          // Committed after the first round: sealed by a later tick, not by the one at start.
          const second = await transfer(h, alice, 'bob', 2);
          await waitFor('the transfer to be sealed', async () => (await sealedRow(db, second.id)) !== undefined, { attempts: ATTEMPTS, pauseMs: POLL_MS });
          const row = await sealedRow(db, second.id);
          const delayMs = Number(row!.sealed_at) - second.createdAtMs;
          assert.ok(delayMs <= MAX_DELAY_MS + MARGIN_MS, `sealed ${delayMs} ms after its commit`);
          assert.deepEqual(errors, []);
        } finally {
          await sealer.stop();
        }
      });
    });

    it('a listening server seals what it commits, and publishes it as the ledger head, within the setting (+ margin)', { timeout: 120_000 }, async () => {
      const pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
      const server = await startServer({ CHAIN_SEAL_MAX_DELAY_MS: String(MAX_DELAY_MS), ...(pg ? { DATABASE_URL: pg.url } : {}) });
      try {
        const call = apiCaller<Answer>(server);
        const [alice] = await signedUpOverHttp(server, ['alice', 'bob'], PASSWORD);
        assert.equal((await call('POST', '/deposits', { account_id: alice.accountId, amount: 500 }, alice.token)).status, 201);
        const sent = await call('POST', '/transfers', { from_account_id: alice.accountId, to: 'bob', amount: 7 }, alice.token);
        assert.equal(sent.status, 201, JSON.stringify(sent.json));
        let head: Answer = {};
        await waitFor(
          'the ledger head to reach the transfer',
          async () => {
            head = (await call('GET', '/ledger/head')).json;
            return (head.seq ?? 0) >= 2;
          },
          { attempts: ATTEMPTS, pauseMs: POLL_MS },
        );
        assert.equal(head.seq, 2, 'the deposit and the transfer, each sealed once');
        const delayMs = Date.parse(head.sealed_at!) - Date.parse(sent.json.transaction!.created_at);
        assert.ok(delayMs <= MAX_DELAY_MS + MARGIN_MS, `sealed ${delayMs} ms after its commit`);
      } finally {
        await server.stop();
        await pg?.drop();
      }
    });
  });
}
