import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { seedHistory } from '../../bench/lib/seed-history.js';
import { historyQuery, listEntries, type EntryFilter } from '../../src/storage/repositories/history-repository.js';
import type { Dialect } from '../../src/storage/storage.js';
import { auth, dialects, type Harness, withHarness } from '../helpers/harness.js';

/** Entries of the heavy account, and of the other accounts' newer traffic written after them. */
const HEAVY = 20_000;
const NEWER = 2_000;

/**
 * One account owns nearly half of all entries and everyone else's newer entries sit on top of its
 * own: the shape that lets fresh statistics talk the planner into walking the primary key.
 */
async function skewedLedger(h: Harness, dialect: Dialect) {
  const heavy = await h.user('heavy');
  const feeder = await h.user('feeder');
  const busy = await h.user('busy');
  const busyFeeder = await h.user('busyfeeder');
  await h.deposit(feeder, HEAVY);
  await h.deposit(busyFeeder, NEWER);
  await h.app.ctx.storage.writeTransaction((trx) => seedHistory(trx, dialect, { subject: heavy, feeder, entries: HEAVY }));
  await h.app.ctx.storage.writeTransaction((trx) => seedHistory(trx, dialect, { subject: busy, feeder: busyFeeder, entries: NEWER }));
  await sql`analyze`.execute(h.app.ctx.storage.db);
  return { heavy, feeder };
}

/** The plan's lines for the entries of the account being listed (alias `e`). */
async function planOf(h: Harness, dialect: Dialect, filter: EntryFilter): Promise<string[]> {
  const db = h.app.ctx.storage.db;
  const query = historyQuery(db, dialect, filter).compile();
  const explain = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
  const result = await db.executeQuery<Record<string, string>>(CompiledQuery.raw(explain + query.sql, [...query.parameters]));
  return result.rows.map((row) => (dialect === 'sqlite' ? row.detail : row['QUERY PLAN']) ?? '');
}

for (const dialect of await dialects()) {
  describe(`history query plan on a skewed ledger (${dialect})`, () => {
    it('reads a heavy account’s pages through entries_account_seq after ANALYZE, and returns the same rows', async () => {
      await withHarness(dialect, async (h) => {
        const { heavy, feeder } = await skewedLedger(h, dialect);
        const db = h.app.ctx.storage.db;
        const first = await listEntries(db, dialect, { accountId: heavy.accountId, limit: 21 });
        const beforeSeq = first[20]!.entrySeq;
        const filters: EntryFilter[] = [
          { accountId: heavy.accountId, limit: 21 },
          { accountId: heavy.accountId, limit: 21, beforeSeq },
          { accountId: heavy.accountId, limit: 21, beforeSeq, types: ['transfer'], fromMs: 0n, toMs: BigInt(Date.now() + 60_000) },
        ];
        for (const filter of filters) {
          const plan = await planOf(h, dialect, filter);
          const scan = plan.filter((line) => (dialect === 'sqlite' ? /^(SCAN|SEARCH) e\b/.test(line) : /Scan.* on entries e\b/.test(line)));
          assert.equal(scan.length, 1, plan.join('\n'));
          if (dialect === 'sqlite') {
            const bound = filter.beforeSeq === undefined ? '(account_id=?)' : '(account_id=? AND seq<?)';
            assert.equal(scan[0], `SEARCH e USING INDEX entries_account_seq ${bound}`, plan.join('\n'));
          } else {
            assert.match(scan[0]!, /Index (Only )?Scan Backward using entries_account_seq on entries e\b/, plan.join('\n'));
            const cond = plan[plan.indexOf(scan[0]!) + 1] ?? '';
            assert.match(cond, /Index Cond: .*account_id/, plan.join('\n'));
            if (filter.beforeSeq !== undefined) assert.match(cond, /seq < /, plan.join('\n'));
          }
        }

        // The rows are the heavy account's newest, newest first, whichever plan produced them.
        const newest = await db.selectFrom('entries').select('seq').where('account_id', '=', heavy.accountId).orderBy('seq', 'desc').limit(42).execute();
        assert.deepEqual(
          first.map((e) => e.entrySeq),
          newest.slice(0, 21).map((r) => BigInt(r.seq)),
        );
        const second = await listEntries(db, dialect, { accountId: heavy.accountId, limit: 21, beforeSeq });
        assert.deepEqual(
          second.map((e) => e.entrySeq),
          newest.slice(21, 42).map((r) => BigInt(r.seq)),
        );
        assert.ok(first.every((e) => e.amountMinor === 1n && e.counterpartyUsername === feeder.username));
        assert.equal(first[0]!.balanceAfterMinor, await h.balance(heavy.accountId));

        // And through the API: the cursor pages on, no gaps or repeats.
        const page = await h.inject({ method: 'GET', url: `/api/v1/accounts/${heavy.accountId}/transactions?limit=20`, headers: auth(heavy) });
        assert.equal(page.statusCode, 200, page.body);
        const body = page.json();
        assert.equal(body.data.length, 20);
        assert.equal(body.has_more, true);
      });
    });
  });
}
