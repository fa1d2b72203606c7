/**
 * Regression caught by the chaos run `--backend postgres --instances 2 --seconds 40 --min-kills 4
 * --timeout-ms 2500 --seed 90 --pg-options "-c idle_in_transaction_session_timeout=1000"`: while one
 * instance was paused (SIGSTOP) inside a transaction, PostgreSQL ended its session; on SIGCONT the
 * checked-out pg client emitted 'error' with no listener and the whole server process crashed. A
 * lost connection must fail only the request that was using it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openPostgres } from '../../src/storage/dialects/postgres.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTempPgDatabase, postgresAvailable, type TempDatabase } from '../helpers/postgres.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a PostgreSQL connection lost in the middle of a transaction', async () => {
  const available = await postgresAvailable();
  let db: TempDatabase;
  let storage: Storage;
  before(async () => {
    if (!available) return;
    db = await createTempPgDatabase();
    // One connection: the query after the failure must get a fresh one.
    storage = openPostgres({ url: db.url, poolSize: 1 });
  });
  after(async () => {
    if (!available) return;
    await storage.close();
    await db.drop();
  });

  it(
    'fails that transaction, keeps the process alive, and serves the next query on a fresh connection',
    { skip: !available && 'PostgreSQL is not available' },
    async () => {
      await assert.rejects(
        storage.writeTransaction(async (trx) => {
          // PostgreSQL ends a session idle inside a transaction for longer than this: the same thing
          // happens to a paused process, or when an operator terminates the backend.
          await sql`set local idle_in_transaction_session_timeout = 100`.execute(trx);
          await sleep(800);
          await sql`select 1`.execute(trx);
        }),
      );
      assert.equal(await storage.ping(), true);
    },
  );
});
