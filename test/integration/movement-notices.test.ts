/**
 * Movement notices written after commit, from the sealed ledger (issue 18 item 2 and its cost
 * target; app/write-movement-notices.ts), on every dialect: a movement's transaction writes no
 * notice; following the ledger writes exactly the notices domain/movement-notices.ts gives, once,
 * whoever follows and however often; a round that fails part-way leaves nothing and the next one
 * writes everything once; a listening server writes them by itself. (Transactions whose version
 * wrote their notices itself, before migration 020 or during a rolling upgrade: notices-upgrade.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import type { AppContext } from '../../src/app/context.js';
import { followLedger } from '../../src/app/follow-ledger.js';
import { sealChain } from '../../src/app/seal-chain.js';
import { writeMovementNotices } from '../../src/app/write-movement-notices.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { apiCaller, signedUpOverHttp, startServer } from '../e2e/server-process.js';
import { auth, dialects, PASSWORD, waitFor, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { createTempPgDatabase } from '../helpers/postgres.js';

/** Every money notice as "username kind text", by user, each user's in the order written (the writer groups a round's by user). */
async function moneyNotices(h: Harness): Promise<string[]> {
  const rows = await sql<{ username: string; kind: string; text: string }>`select u.username, n.kind, n.text
    from notifications n join users u on u.id = n.user_id where n.kind like 'money%' order by u.username, n.seq`.execute(h.app.ctx.storage.db);
  return rows.rows.map((r) => `${r.username} ${r.kind} ${r.text}`);
}

const cursorOf = async (h: Harness) => BigInt((await h.app.ctx.storage.db.selectFrom('notice_cursor').select('position').executeTakeFirstOrThrow()).position);

const setThreshold = (h: Harness, user: TestUser, minor: number) =>
  sql`insert into notification_settings (user_id, email_off, sent_threshold_minor) values (${user.userId}, '', ${minor})`.execute(h.app.ctx.storage.db);

async function post(h: Harness, user: TestUser, url: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await h.inject({ method: 'POST', url, headers: auth(user), payload });
  assert.ok(res.statusCode < 300, `${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

const transfer = (h: Harness, from: TestUser, to: string, amount: number) =>
  post(h, from, '/api/v1/transfers', { from_account_id: from.accountId, to, amount });

for (const dialect of await dialects()) {
  describe(`movement notices after commit (${dialect})`, () => {
    it('a transfer writes no notice in its transaction; following the ledger writes them once, naming the payer however the payee was given', async () => {
      await withHarness(dialect, async (h) => {
        const [alice, bob] = [await h.user('alice'), await h.user('bob')];
        await h.deposit(alice, 1000);
        await transfer(h, alice, 'bob', 5);
        await transfer(h, alice, bob.accountNumber, 7);
        assert.deepEqual(await moneyNotices(h), [], 'nothing in the movement’s own transaction');
        await followLedger(h.app.ctx);
        const expected = ['bob money_received You received 0.05 USD from alice.', 'bob money_received You received 0.07 USD from alice.'];
        assert.deepEqual(await moneyNotices(h), expected);
        const again = await followLedger(h.app.ctx);
        assert.equal(again.notices.written, 0, 'a second pass writes nothing');
        assert.deepEqual(await moneyNotices(h), expected);
      });
    });

    it('"money sent" at or above the payer’s threshold, for transfers, withdrawals and paid requests; nothing for deposits, captures or refusals', async () => {
      await withHarness(dialect, async (h) => {
        const [alice, bob] = [await h.user('alice'), await h.user('bob')];
        await h.deposit(alice, 5000);
        await setThreshold(h, alice, 100);
        await transfer(h, alice, 'bob', 99);
        await transfer(h, alice, 'bob', 100);
        await post(h, alice, '/api/v1/withdrawals', { account_id: alice.accountId, amount: 150 });
        const refused = await h.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: auth(alice),
          payload: { from_account_id: alice.accountId, to: 'bob', amount: 1_000_000 },
        });
        assert.equal(refused.statusCode, 422, refused.body);
        // A hold captured by its payee: the payee pulled the money, so neither side is told.
        const { hold } = (await post(h, alice, '/api/v1/holds', { from_account_id: alice.accountId, to: 'bob', amount: 200 })) as { hold: { id: string } };
        await post(h, bob, `/api/v1/holds/${hold.id}/capture`, {});
        // A payment request paid by its payer: an ordinary transfer the payer made.
        const request = (await post(h, bob, '/api/v1/payment-requests', { to_account_id: bob.accountId, from: 'alice', amount: 300 })) as { id: string };
        await post(h, alice, `/api/v1/payment-requests/${request.id}/pay`, { from_account_id: alice.accountId });
        await followLedger(h.app.ctx);
        assert.deepEqual(await moneyNotices(h), [
          'alice money_sent You sent 1.00 USD to bob.',
          'alice money_sent You sent 1.50 USD.',
          'alice money_sent You sent 3.00 USD to bob.',
          'bob money_received You received 0.99 USD from alice.',
          'bob money_received You received 1.00 USD from alice.',
          'bob money_received You received 3.00 USD from alice.',
        ]);
      });
    });

    it('a round that fails part-way writes nothing and keeps its cursor; the next round writes every notice once', async () => {
      await withHarness(dialect, async (h) => {
        const [alice, bob] = [await h.user('alice'), await h.user('bob')];
        await h.deposit(alice, 1000);
        for (let i = 1; i <= 3; i++) await transfer(h, alice, bob.accountNumber, i);
        await sealChain(h.app.ctx);
        const cursor = await cursorOf(h);
        // Every notice gets the same id: the second insert of the round breaks the unique key.
        const broken: AppContext = { ...h.app.ctx, random: { ...h.app.ctx.random, orderedUuid: () => 'one-id-for-all' } };
        await assert.rejects(writeMovementNotices(broken));
        assert.deepEqual(await moneyNotices(h), []);
        assert.equal(await cursorOf(h), cursor, 'the cursor did not move');
        const outcome = await writeMovementNotices(h.app.ctx);
        assert.equal(outcome.written, 3);
        assert.equal((await moneyNotices(h)).length, 3);
        assert.ok((await cursorOf(h)) > cursor);
      });
    });

    it('two writers on one database, while money moves, write each notice exactly once', async () => {
      await withHarness(dialect, async (h) => {
        const other = openStorage(h.config);
        try {
          const second: AppContext = { ...h.app.ctx, storage: other };
          const [alice, bob] = [await h.user('alice'), await h.user('bob')];
          await h.deposit(alice, 1000);
          for (let i = 0; i < 6; i++) {
            await Promise.all([
              transfer(h, alice, bob.accountNumber, 1),
              transfer(h, alice, bob.accountNumber, 2),
              followLedger(h.app.ctx),
              followLedger(second),
              writeMovementNotices(second),
            ]);
          }
          await followLedger(h.app.ctx);
          await followLedger(second);
          const notices = await moneyNotices(h);
          assert.equal(notices.length, 12, notices.join('\n'));
          assert.equal(notices.filter((n) => n.endsWith('0.01 USD from alice.')).length, 6);
          assert.equal(notices.filter((n) => n.endsWith('0.02 USD from alice.')).length, 6);
          const ids = await h.app.ctx.storage.db.selectFrom('notifications').select('id').where('kind', '=', 'money_received').execute();
          assert.equal(new Set(ids.map((r) => r.id)).size, 12);
        } finally {
          await other.close();
        }
      });
    });

    it('a listening server writes the notices by itself, after its sealer', { timeout: 120_000 }, async () => {
      const pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
      const server = await startServer({ CHAIN_SEAL_MAX_DELAY_MS: '400', ...(pg ? { DATABASE_URL: pg.url } : {}) });
      try {
        const call = apiCaller(server);
        const [alice, bob] = await signedUpOverHttp(server, ['alice', 'bob'], PASSWORD);
        assert.equal((await call('POST', '/deposits', { account_id: alice.accountId, amount: 500 }, alice.token)).status, 201);
        assert.equal((await call('POST', '/transfers', { from_account_id: alice.accountId, to: 'bob', amount: 7 }, alice.token)).status, 201);
        await waitFor(
          "bob's money-received notice",
          async () => {
            const list = (await call('GET', '/notifications', undefined, bob.token)).json.data as { kind: string; text: string }[];
            return list.some((n) => n.kind === 'money_received' && n.text === 'You received 0.07 USD from alice.');
          },
          { attempts: 500, pauseMs: 20 },
        );
      } finally {
        await server.stop();
        await pg?.drop();
      }
    });
  });
}
