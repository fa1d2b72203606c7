/**
 * Issue 14 items 1 and 2: placing a hold into an account and closing that account exclude each
 * other, on every dialect. The interleavings are forced, not hoped for: on PostgreSQL a second
 * connection holds the lock a real close (or a real placement) holds, and the other side is started
 * while it waits (as accounts.test.ts does for a transfer against a close); on SQLite the first
 * side holds the only write lock while the second starts. Whichever commits first, there is never
 * a pending hold into a closed account, and the refused side changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, dialects, ledgerSnapshot, waitForLockWait, withHarness, type Harness, type TestUser } from '../helpers/harness.js';

type Response = Awaited<ReturnType<Harness['inject']>>;

/** The ledger, every hold row and every account's held amount (a refused hold must change none of them). */
async function snapshot(h: Harness): Promise<string> {
  const db = h.app.ctx.storage.db;
  const holds = await db.selectFrom('holds').selectAll().orderBy('id').execute();
  const accounts = await db.selectFrom('accounts').select(['id', 'held']).orderBy('id').execute();
  return (await ledgerSnapshot(h.app)) + JSON.stringify({ holds, accounts }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function assertError(res: Response, status: number, code: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  assert.equal(res.json().error.code, code);
}

/** A payer with 100 and a payee with a second (empty) account that the tests close. */
async function parties(h: Harness): Promise<{ payer: TestUser; payee: TestUser; target: { id: string; number: string } }> {
  const [payer, payee] = [await h.user('payer'), await h.user('payee')];
  await h.deposit(payer, 100);
  const opened = await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(payee), payload: { name: 'Pot' } });
  assert.equal(opened.statusCode, 201, opened.body);
  return { payer, payee, target: opened.json() };
}

/** PostgreSQL: runs `hold` (statements on a second connection, inside a transaction), starts `start` while that transaction keeps its locks, then commits. */
async function whileAnotherConnectionHolds(h: Harness, hold: (client: pg.Client) => Promise<void>, start: () => Promise<Response>): Promise<Response> {
  const client = new pg.Client({ connectionString: h.config.databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await hold(client);
    const pending = start();
    await waitForLockWait(h);
    await client.query('commit');
    return await pending;
  } finally {
    await client.end();
  }
}

for (const dialect of await dialects()) {
  describe(`holds against closing the payee's account (${dialect})`, () => {
    it('refuses a hold into an account whose close commits while the hold waits (422 account_closed), reserving nothing', async () => {
      await withHarness(dialect, async (h) => {
        const { payer, target } = await parties(h);
        const before = await snapshot(h);
        const place = () =>
          h.inject({
            method: 'POST',
            url: '/api/v1/holds',
            headers: auth(payer),
            payload: { from_account_id: payer.accountId, to: target.number, amount: 40 },
          });
        let res: Response;
        if (dialect === 'postgres') {
          // What closeAccount does: the account row FOR UPDATE, then the conditional update that closes it.
          res = await whileAnotherConnectionHolds(
            h,
            async (client) => {
              await client.query('select id from accounts where id = $1 for update', [target.id]);
              await client.query('update accounts set closed_at = 1 where id = $1', [target.id]);
            },
            place,
          );
        } else {
          let pending: Promise<Response> | undefined;
          await h.app.ctx.storage.writeTransaction(async (trx) => {
            await trx.updateTable('accounts').set({ closed_at: 1n }).where('id', '=', target.id).execute();
            pending = place();
          });
          res = await pending!;
        }
        assertError(res, 422, 'account_closed');
        const closedAt = (await h.app.ctx.storage.db.selectFrom('accounts').select('closed_at').where('id', '=', target.id).executeTakeFirstOrThrow())
          .closed_at;
        assert.equal(String(closedAt), '1', 'the close stands');
        const pendingInto = await h.app.ctx.storage.db.selectFrom('holds').select('id').where('to_account_id', '=', target.id).execute();
        assert.deepEqual(pendingInto, [], 'no hold into the closed account');
        assert.equal(await snapshot(h), before, 'nothing reserved, nothing moved');
        assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
      });
    });

    it('refuses a close that waits for a hold into the account being placed (422 account_not_empty), and the hold stands', async () => {
      await withHarness(dialect, async (h) => {
        const { payer, payee, target } = await parties(h);
        const close = () => h.inject({ method: 'POST', url: `/api/v1/accounts/${target.id}/close`, headers: auth(payee) });
        const holdRow = { id: '00000000-0000-4000-8000-0000000000a1', amount: 40n, expires_at: 9_000_000_000_000n, created_at: 1n };
        let res: Response;
        if (dialect === 'postgres') {
          // What placeHold does on PostgreSQL: the payee's row FOR SHARE, the payer's reserve, the hold row.
          res = await whileAnotherConnectionHolds(
            h,
            async (client) => {
              await client.query('select id from accounts where id = $1 for share', [target.id]);
              await client.query('update accounts set held = held + 40 where id = $1', [payer.accountId]);
              await client.query(
                `insert into holds (id, from_account_id, to_account_id, amount, currency, memo, expires_at, created_at, actor_user_id)
                 values ($1, $2, $3, 40, 'USD', null, $4, 1, null)`,
                [holdRow.id, payer.accountId, target.id, holdRow.expires_at.toString()],
              );
            },
            close,
          );
        } else {
          let pending: Promise<Response> | undefined;
          await h.app.ctx.storage.writeTransaction(async (trx) => {
            await trx.updateTable('accounts').set({ held: 40n }).where('id', '=', payer.accountId).execute();
            await trx
              .insertInto('holds')
              .values({ ...holdRow, from_account_id: payer.accountId, to_account_id: target.id, currency: 'USD', memo: null, actor_user_id: null })
              .execute();
            pending = close();
          });
          res = await pending!;
        }
        assertError(res, 422, 'account_not_empty');
        const account = (await h.inject({ method: 'GET', url: `/api/v1/accounts/${target.id}`, headers: auth(payee) })).json();
        assert.equal(account.status, 'active', 'still open');
        const hold = await h.inject({ method: 'GET', url: `/api/v1/holds/${holdRow.id}`, headers: auth(payee) });
        assert.equal(hold.json().status, 'pending');
        assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
      });
    });
  });
}
