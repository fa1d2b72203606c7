/**
 * The owner lock that queues a user's own account changes (opening or closing an account, a reset,
 * a payment request) must not block the foreign-key checks of a payment's rows naming that user
 * (PostgreSQL takes KEY SHARE on the referenced `users` row). With FOR UPDATE it did: a close that
 * held the user's row and waited for the account deadlocked with a payment that held the account and
 * waited for the user's row, broken only after the 1 s deadlock timeout. Lock compatibility is
 * checked directly, so the test does not depend on timing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { lockOwnerForAccountChange } from '../../src/storage/repositories/account-lifecycle-repository.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { postgresAvailable } from '../helpers/postgres.js';

const pgUp = await postgresAvailable();

describe('the owner lock and foreign keys (PostgreSQL)', { skip: !pgUp && 'no PostgreSQL (see the notice above)' }, () => {
  let h: Harness;
  before(async () => {
    h = await createHarness('postgres');
  });
  after(() => h?.close());

  it("a row naming the user is written while the user's account change holds the owner lock; a second change still waits", async () => {
    const user = await h.user('owner-lock');
    const other = new pg.Client({ connectionString: h.config.databaseUrl });
    await other.connect();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const change = h.app.ctx.storage.writeTransaction(async (trx) => {
      await lockOwnerForAccountChange(trx, 'postgres', user.userId);
      locked();
      await held;
    });
    try {
      await lockTaken;
      await other.query('begin');
      await other.query("set local lock_timeout = '2s'");
      // A notice, as a payment writes one: its foreign key takes KEY SHARE on the user's row.
      await other.query("insert into notifications (id, user_id, kind, text, created_at) values ('owner-lock-n', $1, 'money_received', 'x', 0)", [user.userId]);
      await other.query('rollback');
      // Another change to the same user's accounts still queues behind the first.
      await other.query('begin');
      await other.query("set local lock_timeout = '200ms'");
      await assert.rejects(
        other.query('select 1 from users where id = $1 for no key update', [user.userId]),
        (error: { code?: string }) => error.code === '55P03',
      );
      await other.query('rollback');
    } finally {
      release();
      await change;
      await other.end();
    }
  });
});
