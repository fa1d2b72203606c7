/**
 * `minibank stats --json` (issue 12 item 8): counts are JSON numbers on both databases (PostgreSQL
 * answers COUNT as bigint, which used to come out as strings); amounts stay exact strings of minor
 * units, as the help says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collectStats, statsJson } from '../../src/cli/commands/stats.js';
import { auth, createHarness, dialects, type Harness } from '../helpers/harness.js';
import { childEnv, runCli } from './child-server.js';

for (const dialect of await dialects()) {
  describe(`minibank stats (${dialect})`, () => {
    let h: Harness;
    before(async () => {
      h = await createHarness(dialect);
      const ann = await h.user('stats-ann');
      const ben = await h.user('stats-ben');
      await h.deposit(ann, 1_000);
      await h.deposit(ben, 5);
      const sent = await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(ann),
        payload: { from_account_id: ann.accountId, to: ben.username, amount: 300 },
      });
      assert.equal(sent.statusCode, 201, sent.body);
      await h.app.ctx.storage.db.updateTable('accounts').set({ status: 'frozen' }).where('id', '=', ben.accountId).execute();
    });
    after(async () => h.close());

    const expected = {
      users: 2,
      accounts: { user: 2, frozen: 1 },
      transactions: { total: 3, byType: { deposit: 2, transfer: 1 } },
      circulation: { USD: '1005' },
    };

    it('prints counts as numbers and amounts as strings of minor units (the issue example, through the CLI)', async () => {
      const result = await runCli(['stats', '--json'], childEnv(h.dataDir, dialect === 'postgres' ? { DATABASE_URL: h.config.databaseUrl } : {}));
      assert.equal(result.code, 0, result.stderr);
      const printed = JSON.parse(result.stdout);
      assert.deepEqual(printed, expected);
      assert.equal(typeof printed.users, 'number');
      assert.equal(typeof printed.transactions.byType.deposit, 'number');
    });

    it('gives the same numbers from collectStats and its JSON form, with no money created or lost', async () => {
      const stats = await collectStats(h.app.ctx.storage.db);
      assert.equal(stats.users, 2n);
      assert.equal(stats.transactions.total, 3n);
      assert.deepEqual(JSON.parse(statsJson(stats)), expected);
    });

    it('prints zero counts as numbers and no currencies on an empty bank', async () => {
      const empty = await createHarness(dialect);
      try {
        assert.deepEqual(JSON.parse(statsJson(await collectStats(empty.app.ctx.storage.db))), {
          users: 0,
          accounts: { user: 0, frozen: 0 },
          transactions: { total: 0, byType: {} },
          circulation: {},
        });
      } finally {
        await empty.close();
      }
    });
  });
}
