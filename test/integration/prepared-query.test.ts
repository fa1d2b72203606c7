/**
 * Prepared queries (src/storage/prepared-query.ts) are compiled once with markers in the values'
 * places. These tests prove that each run binds its own values in the right places, on both
 * dialects: the same rows as the ordinary builder, repeated and constant values, hostile text bound
 * as a value (never spliced into SQL), and a forgotten value refused rather than bound as NULL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { preparedQuery } from '../../src/storage/prepared-query.js';
import { createHarness, dialects, type Harness, type TestUser } from '../helpers/harness.js';

const accountsOfUser = preparedQuery<{ userId: string }, { id: string; user_id: string }>((db, p) =>
  db.selectFrom('accounts').select(['id', 'user_id']).where('user_id', '=', p('userId')).orderBy('id'),
);
// A value used twice, and a constant the builder binds as a parameter too.
const usersNamed = preparedQuery<{ a: string; b: string }, { username: string }>((db, p) =>
  db
    .selectFrom('users')
    .select('username')
    .where((eb) => eb.or([eb('username', '=', p('a')), eb('username', '=', 'carol'), eb('username', '=', p('b')), eb('username', '=', p('a'))]))
    .orderBy('username'),
);

for (const dialect of await dialects()) {
  describe(`prepared queries (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
      bob = await h.user('bob');
    });
    after(() => h.close());

    it('returns what the ordinary builder returns, with each run binding its own values', async () => {
      const db = h.app.ctx.storage.db;
      for (const user of [alice, bob, alice]) {
        const expected = await db.selectFrom('accounts').select(['id', 'user_id']).where('user_id', '=', user.userId).orderBy('id').execute();
        assert.deepEqual(await accountsOfUser.rows(db, { userId: user.userId }), expected);
        assert.equal(expected.length, 1);
      }
    });

    it('runs inside a transaction with the same compiled form', async () => {
      const rows = await h.app.ctx.storage.db.transaction().execute((trx) => accountsOfUser.rows(trx, { userId: bob.userId }));
      assert.deepEqual(
        rows.map((r) => r.id),
        [bob.accountId],
      );
    });

    it('binds hostile text as a value, never as SQL', async () => {
      const db = h.app.ctx.storage.db;
      assert.deepEqual(await accountsOfUser.rows(db, { userId: "x' or '1'='1" }), []);
      assert.deepEqual(await accountsOfUser.rows(db, { userId: `${alice.userId}' --` }), []);
    });

    it('fills a value used twice in both places and keeps the constants', async () => {
      const db = h.app.ctx.storage.db;
      const names = async (a: string, b: string) => (await usersNamed.rows(db, { a, b })).map((r) => r.username);
      assert.deepEqual(await names('bob', 'nobody'), ['bob']);
      assert.deepEqual(await names('nobody', 'alice'), ['alice']);
      assert.deepEqual(await names('alice', 'bob'), ['alice', 'bob']);
      await h.user('carol');
      assert.deepEqual(await names('nobody', 'nobody'), ['carol']);
    });

    it('refuses a run with a value missing instead of binding NULL', async () => {
      await assert.rejects(() => accountsOfUser.rows(h.app.ctx.storage.db, {} as { userId: string }), /no value for "userId"/);
    });

    if (dialect === 'postgres') {
      it('runs as a named prepared statement on PostgreSQL, planned once per connection', async () => {
        const names = await h.app.ctx.storage.db.transaction().execute(async (trx) => {
          await accountsOfUser.rows(trx, { userId: alice.userId });
          await accountsOfUser.rows(trx, { userId: bob.userId });
          const rows = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx);
          return rows.rows.filter((r) => r.statement.startsWith('select "id", "user_id" from "accounts" where "user_id" = $1')).map((r) => r.name);
        });
        assert.equal(names.length, 1);
        assert.match(names[0]!, /^minibank_\d+$/);
      });
    }

    it('counts the rows an update changed', async () => {
      const rename = preparedQuery<{ from: string; to: string }>((db, p) =>
        db
          .updateTable('users')
          .set({ username: p('to') })
          .where('username', '=', p('from')),
      );
      const db = h.app.ctx.storage.db;
      assert.equal(await rename.changed(db, { from: 'nobody', to: 'still-nobody' }), 0);
      assert.equal(await rename.changed(db, { from: 'bob', to: 'bobby' }), 1);
      assert.equal(await rename.changed(db, { from: 'bobby', to: 'bob' }), 1);
    });
  });
}
