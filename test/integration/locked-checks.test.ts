/**
 * Issue 11 class 6, checks outside the lock: every condition of a movement (status, currency,
 * bounds, funds) is decided on the locked rows. On PostgreSQL a transfer that waits for a row lock
 * while a freeze commits must see the freeze; on SQLite the write lock makes movements serial, and
 * the same outcome is checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { verifyBooks } from '../../src/app/verify-books.js';
import { auth, createHarness, dialects, ledgerSnapshot, waitForLockWait, type Harness, type TestUser } from '../helpers/harness.js';

type Status = 'active' | 'frozen';

for (const dialect of await dialects()) {
  describe(`movement checks on the locked rows (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      [alice, bob] = [await h.user('alice'), await h.user('bob')];
      await h.deposit(alice, 1000);
    });
    after(() => h.close());

    const setStatus = (accountId: string, status: Status) => h.app.ctx.storage.db.updateTable('accounts').set({ status }).where('id', '=', accountId).execute();
    const transfer = (amount = 10) =>
      h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(alice),
        payload: { from_account_id: alice.accountId, to: bob.accountNumber, amount },
      });

    /**
     * Changes an account's status in a transaction of the app's own storage that is still open when
     * `start` begins; the change commits after that (on PostgreSQL, once `start` waits for the lock).
     */
    async function changeStatusWhile(accountId: string, status: Status, start: () => ReturnType<typeof transfer>) {
      let pending: ReturnType<typeof transfer> | undefined;
      await h.app.ctx.storage.writeTransaction(async (trx) => {
        await trx.updateTable('accounts').set({ status }).where('id', '=', accountId).execute();
        pending = start();
        if (dialect === 'postgres') await waitForLockWait(h);
      });
      return pending!;
    }

    for (const side of ['payer', 'payee'] as const) {
      it(`refuses a transfer when the ${side}'s account is frozen by a transaction that commits while it waits`, async () => {
        const account = side === 'payer' ? alice.accountId : bob.accountId;
        const before = await ledgerSnapshot(h.app);
        try {
          const res = await changeStatusWhile(account, 'frozen', () => transfer());
          assert.equal(res.statusCode, 422, res.body);
          assert.equal(res.json().error.code, 'account_frozen');
          // The status is the only change: no balance, entry or transaction moved.
          const after = JSON.parse(await ledgerSnapshot(h.app));
          const expected = JSON.parse(before);
          expected.accounts.find((a: { id: string }) => a.id === account).status = 'frozen';
          assert.deepEqual(after, expected);
        } finally {
          await setStatus(account, 'active');
        }
      });
    }

    it('pays when an account is unfrozen by a transaction that commits while the transfer waits', async () => {
      await setStatus(bob.accountId, 'frozen');
      try {
        const [a0, b0] = [await h.balance(alice.accountId), await h.balance(bob.accountId)];
        const res = await changeStatusWhile(bob.accountId, 'active', () => transfer(7));
        // PostgreSQL read "frozen" before the lock and "active" on the locked row: the locked row
        // decides. SQLite reads only after the unfreeze committed: the same answer, trivially.
        assert.equal(res.statusCode, 201, res.body);
        assert.deepEqual([await h.balance(alice.accountId), await h.balance(bob.accountId)], [a0 - 7n, b0 + 7n]);
      } finally {
        await setStatus(bob.accountId, 'active');
      }
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    });

    it('refuses a deposit into an account frozen while the deposit waits', async () => {
      const before = await ledgerSnapshot(h.app);
      try {
        const res = await changeStatusWhile(bob.accountId, 'frozen', () =>
          h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(bob), payload: { account_id: bob.accountId, amount: 5 } }),
        );
        assert.deepEqual([res.statusCode, res.json().error.code], [422, 'account_frozen']);
        const after = JSON.parse(await ledgerSnapshot(h.app));
        const expected = JSON.parse(before);
        expected.accounts.find((a: { id: string }) => a.id === bob.accountId).status = 'frozen';
        assert.deepEqual(after, expected);
      } finally {
        await setStatus(bob.accountId, 'active');
      }
    });

    if (dialect === 'postgres') {
      for (const side of ['payer', 'payee'] as const) {
        it(`refuses a transfer when another connection holds the ${side}'s row lock, freezes it and commits`, async () => {
          const account = side === 'payer' ? alice.accountId : bob.accountId;
          const client = new pg.Client({ connectionString: h.config.databaseUrl });
          await client.connect();
          const before = await ledgerSnapshot(h.app);
          try {
            await client.query('begin');
            await client.query('select id from accounts where id = $1 for update', [account]);
            const pending = transfer();
            await waitForLockWait(h);
            await client.query(`update accounts set status = 'frozen' where id = $1`, [account]);
            await client.query('commit');
            const res = await pending;
            assert.equal(res.statusCode, 422, res.body);
            assert.equal(res.json().error.code, 'account_frozen');
            const after = JSON.parse(await ledgerSnapshot(h.app));
            const expected = JSON.parse(before);
            expected.accounts.find((a: { id: string }) => a.id === account).status = 'frozen';
            assert.deepEqual(after, expected, 'nothing moved');
          } finally {
            await client.query('rollback').catch(() => {});
            await client.end();
            await setStatus(account, 'active');
          }
        });
      }
    }

    if (dialect === 'sqlite') {
      it('refuses a transfer from or to an account frozen before it runs', async () => {
        for (const account of [alice.accountId, bob.accountId]) {
          await setStatus(account, 'frozen');
          try {
            const before = await ledgerSnapshot(h.app);
            const res = await transfer();
            assert.deepEqual([res.statusCode, res.json().error.code], [422, 'account_frozen']);
            assert.equal(await ledgerSnapshot(h.app), before);
          } finally {
            await setStatus(account, 'active');
          }
        }
      });
    }
  });
}

/** Waits until some session of this test's database is waiting for a lock (bounded by count, not time). */
