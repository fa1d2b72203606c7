/**
 * Migration 020 (notices after commit, issue 18; commit d33cce7) on a bank with history, on every
 * dialect. A database is migrated only up to '019-transfer-batch' and given the history the old
 * code wrote: users with a "money sent" threshold, a deposit and transfers whose notices were
 * written in their own transaction (plain SQL, as that code's statements left the rows), the
 * oldest of them sealed into the hash chain and the newest not yet. Then the app starts on it
 * (migrating to the latest) and follows the ledger: the sealer seals the rest, the notice writer
 * gives no old transaction a second notice (sealed before the migration: below the cursor; sealed
 * after it: marked `notices_after_commit` 0), the chain verifies, and a transfer made after the upgrade is
 * notified once, with the old user's threshold still in force.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { followLedger } from '../../src/app/follow-ledger.js';
import { chainHash } from '../../src/app/seal-chain.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import { loadConfig, type Config } from '../../src/config.js';
import { CHAIN_ENCODING_VERSION, GENESIS_HASH } from '../../src/domain/chain-encoding.js';
import { makeAccountNumber } from '../../src/domain/account-number.js';
import { moneyReceivedText, moneySentText } from '../../src/domain/notification-kinds.js';
import { buildApp } from '../../src/http/app.js';
import { createPasswordHasher } from '../../src/services/password-hasher.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { migrationsFor } from '../../src/storage/migrations/index.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { chainedTransactions } from '../../src/storage/repositories/chain-seal-repository.js';
import type { Dialect } from '../../src/storage/storage.js';
import { auth, dialects, PASSWORD, TEST_SECRET } from '../helpers/harness.js';
import { createTempPgDatabase } from '../helpers/postgres.js';

/** The migration before notices left the money path. */
const BEFORE = '019-transfer-batch';

type OldDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the schema at 019, not today's typed one

/** Migrates `db` up to `BEFORE` only, with the migrator's own table names (storage/migrate.ts). */
async function migrateToBefore(db: OldDb, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results = [] } = await migrator.migrateTo(BEFORE);
  if (error) throw new Error(`migrating to ${BEFORE} failed`, { cause: error });
  assert.equal(results.at(-1)?.migrationName, BEFORE);
}

const accountNumber = () => makeAccountNumber(String(crypto.randomInt(0, 10 ** 10)).padStart(10, '0'));

interface OldAccount {
  id: string;
  userId: string | null;
  username: string | null;
}

/** A user and their main account, as sign-up wrote them (times epoch ms). */
async function oldUser(db: OldDb, username: string, passwordHash: string, nowMs: number): Promise<OldAccount> {
  const userId = crypto.randomUUID();
  await db.insertInto('users').values({ id: userId, username, password_hash: passwordHash, created_at: nowMs }).execute();
  const id = crypto.randomUUID();
  await db.insertInto('accounts').values({ id, number: accountNumber(), user_id: userId, kind: 'user', currency: 'USD', created_at: nowMs }).execute();
  return { id, userId, username };
}

/**
 * One movement as the old code committed it, in one transaction: the ledger transaction, its two
 * entries (minor units, balance after), the balances, and, for a transfer the payer made, the
 * notices it wrote with it ("money received"; "money sent" at or above the payer's threshold).
 */
async function oldMovement(
  db: OldDb,
  movement: {
    type: 'deposit' | 'transfer';
    from: OldAccount;
    to: OldAccount;
    amount: bigint;
    actorUserId: string;
    thresholdMinor: bigint | null;
    nowMs: number;
  },
): Promise<void> {
  const { from, to, amount, nowMs } = movement;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('ledger_transactions')
      .values({ id: crypto.randomUUID(), type: movement.type, memo: null, actor_user_id: movement.actorUserId, created_at: nowMs })
      .execute();
    const { seq } = await trx
      .selectFrom('ledger_transactions')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirstOrThrow();
    for (const [account, delta] of [
      [from, -amount],
      [to, amount],
    ] as const) {
      await trx
        .updateTable('accounts')
        .set({ balance: sql`balance + ${delta}` })
        .where('id', '=', account.id)
        .execute();
      const { balance } = await trx.selectFrom('accounts').select('balance').where('id', '=', account.id).executeTakeFirstOrThrow();
      await trx
        .insertInto('entries')
        .values({ transaction_seq: seq, account_id: account.id, amount: delta, balance_after: balance, created_at: nowMs })
        .execute();
    }
    if (movement.type !== 'transfer') return;
    const notice = (userId: string, kind: string, text: string) => ({ id: crypto.randomUUID(), user_id: userId, kind, text, created_at: nowMs });
    const notices = [notice(to.userId!, 'money_received', moneyReceivedText(amount, 'USD', from.username))];
    if (movement.thresholdMinor !== null && movement.thresholdMinor <= amount)
      notices.push(notice(from.userId!, 'money_sent', moneySentText(amount, 'USD', to.username)));
    await trx.insertInto('notifications').values(notices).execute();
  });
}

/** Seals the ledger transactions with the first `count` seqs at positions 1..count, as the sealer of that release did (horizon unset). */
async function sealFirst(db: OldDb, count: number, nowMs: number): Promise<void> {
  const seqs = (await db.selectFrom('ledger_transactions').select('seq').orderBy('seq').limit(count).execute()).map((r) => BigInt(r.seq));
  const txns = await chainedTransactions(db, seqs);
  let previous = GENESIS_HASH;
  let position = 0n;
  for (const seq of seqs) {
    const txn = txns.get(seq)!;
    position += 1n;
    previous = chainHash(txn, position, previous);
    await db
      .insertInto('ledger_chain')
      .values({ position, transaction_seq: seq, transaction_id: txn.id, encoding: CHAIN_ENCODING_VERSION, hash: previous, sealed_at: nowMs, horizon: null })
      .execute();
  }
}

/** Every money notice as "username kind text", by user, each user's oldest first (the order promised is each user's). */
async function moneyNotices(db: OldDb): Promise<string[]> {
  const rows = await sql<{ username: string; kind: string; text: string }>`select u.username, n.kind, n.text
    from notifications n join users u on u.id = n.user_id where n.kind like 'money%' order by u.username, n.seq`.execute(db);
  return rows.rows.map((r) => `${r.username} ${r.kind} ${r.text}`);
}

for (const dialect of await dialects()) {
  describe(`migration 020 on a bank with history (${dialect})`, () => {
    it('gives no old transaction a second notice, sealed before the upgrade or after it, and notifies a transfer made after it once', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-upgrade-'));
      const pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
      const config: Config = loadConfig(
        { SQLITE_WRITE_WORKER: process.env.SQLITE_WRITE_WORKER },
        { dataDir, secret: TEST_SECRET, databaseUrl: pg?.url ?? '', dbPoolSize: 10, rateLimits: false },
      );
      try {
        // The bank before the upgrade.
        const storage = openStorage(config);
        const nowMs = Date.now();
        try {
          const db = storage.db as OldDb;
          await migrateToBefore(db, dialect);
          const hasher = await createPasswordHasher({
            memoryCostKib: config.argon2MemoryKib,
            timeCost: config.argon2Iterations,
            parallelism: config.argon2Parallelism,
            maxConcurrent: 1,
          });
          const hash = await hasher.hash(PASSWORD);
          const alice = await oldUser(db, 'alice', hash, nowMs);
          const bob = await oldUser(db, 'bob', hash, nowMs);
          await db.insertInto('notification_settings').values({ user_id: alice.userId, email_off: '', sent_threshold_minor: 103 }).execute();
          const cash: OldAccount = { id: crypto.randomUUID(), userId: null, username: null };
          await db
            .insertInto('accounts')
            .values({ id: cash.id, number: accountNumber(), user_id: null, kind: 'system', currency: 'USD', created_at: nowMs })
            .execute();
          await oldMovement(db, { type: 'deposit', from: cash, to: alice, amount: 1000n, actorUserId: alice.userId!, thresholdMinor: null, nowMs });
          for (const amount of [101n, 102n, 103n, 104n, 105n]) {
            await oldMovement(db, { type: 'transfer', from: alice, to: bob, amount, actorUserId: alice.userId!, thresholdMinor: 103n, nowMs });
          }
          await sealFirst(db, 3, nowMs); // the deposit and the first two transfers; 1.03 to 1.05 wait for the sealer
        } finally {
          await storage.close();
        }

        // The upgrade: the app migrates at start, then follows the ledger as its ticks would.
        const app = await buildApp({ config });
        try {
          const db = app.ctx.storage.db as OldDb;
          const oldNotices = await moneyNotices(db);
          const aliceOld = [
            'alice money_sent You sent 1.03 USD to bob.',
            'alice money_sent You sent 1.04 USD to bob.',
            'alice money_sent You sent 1.05 USD to bob.',
          ];
          const bobOld = [1, 2, 3, 4, 5].map((cents) => `bob money_received You received 1.0${cents} USD from alice.`);
          assert.deepEqual(oldNotices, [...aliceOld, ...bobOld]);
          const cursor = await db.selectFrom('notice_cursor').select('position').executeTakeFirstOrThrow();
          assert.equal(BigInt(cursor.position), 3n, 'the cursor starts at the chain head');
          const marked = await db.selectFrom('ledger_transactions').select('notices_after_commit').execute();
          assert.ok(
            marked.every((r) => Number(r.notices_after_commit) === 0),
            'the history is marked as notified by the version that wrote it',
          );

          const first = await followLedger(app.ctx);
          assert.equal(first.sealed.sealed, 3, 'the sealer seals the three old transactions left unsealed');
          assert.equal(first.notices.written, 0, 'none of them is notified again');
          assert.deepEqual(await moneyNotices(db), oldNotices);
          const cursorAfter = await db.selectFrom('notice_cursor').select('position').executeTakeFirstOrThrow();
          assert.equal(BigInt(cursorAfter.position), 6n, 'the cursor passed them');
          const chain = await verifyChain(app.ctx.storage.db);
          assert.deepEqual([chain.ok, chain.problems, chain.checked], [true, [], 6n]);

          // After the upgrade: an old user signs in with their old password and pays.
          const token = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD } });
          assert.equal(token.statusCode, 200, token.body);
          const me = (await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth({ token: token.json().access_token }) })).json();
          const paid = await app.inject({
            method: 'POST',
            url: '/api/v1/transfers',
            headers: auth({ token: token.json().access_token }),
            payload: { from_account_id: me.accounts[0].id, to: 'bob', amount: 106 },
          });
          assert.equal(paid.statusCode, 201, paid.body);
          assert.deepEqual(await moneyNotices(db), oldNotices, 'the transfer writes no notice itself');
          const second = await followLedger(app.ctx);
          assert.equal(second.notices.written, 2);
          assert.deepEqual(await moneyNotices(db), [
            ...aliceOld,
            'alice money_sent You sent 1.06 USD to bob.',
            ...bobOld,
            'bob money_received You received 1.06 USD from alice.',
          ]);
          assert.equal((await followLedger(app.ctx)).notices.written, 0);
        } finally {
          await app.close();
        }
      } finally {
        await pg?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });

    // docs/operations.md lets the previous version run on a migrated schema: PostgreSQL's rolling
    // upgrade runs `minibank migrate` first and replaces instances one at a time, and "going back"
    // rolls the code back on the migrated schema. A transfer that version commits after migration
    // 020 writes its notices itself and leaves notices_after_commit at its default 0, so the writer
    // of the new version leaves it alone.
    it('a transfer the previous version commits after migration 020 (rolling upgrade, or code rolled back) is notified once', async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-upgrade-'));
      const pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
      const config: Config = loadConfig({}, { dataDir, secret: TEST_SECRET, databaseUrl: pg?.url ?? '', dbPoolSize: 10, rateLimits: false });
      try {
        const storage = openStorage(config);
        const nowMs = Date.now();
        try {
          const db = storage.db as OldDb;
          await migrateToBefore(db, dialect);
          const alice = await oldUser(db, 'alice', 'not-used', nowMs);
          const bob = await oldUser(db, 'bob', 'not-used', nowMs);
          const cash: OldAccount = { id: crypto.randomUUID(), userId: null, username: null };
          await db
            .insertInto('accounts')
            .values({ id: cash.id, number: accountNumber(), user_id: null, kind: 'system', currency: 'USD', created_at: nowMs })
            .execute();
          await oldMovement(db, { type: 'deposit', from: cash, to: alice, amount: 1000n, actorUserId: alice.userId!, thresholdMinor: null, nowMs });
          await migrateToLatest(storage); // `minibank migrate`, run once before the instances are replaced
          // An instance of the previous version, not yet replaced, commits a transfer as it always did.
          await oldMovement(db, { type: 'transfer', from: alice, to: bob, amount: 250n, actorUserId: alice.userId!, thresholdMinor: null, nowMs });
        } finally {
          await storage.close();
        }
        const app = await buildApp({ config });
        try {
          await followLedger(app.ctx);
          assert.deepEqual(await moneyNotices(app.ctx.storage.db as OldDb), ['bob money_received You received 2.50 USD from alice.']);
        } finally {
          await app.close();
        }
      } finally {
        await pg?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
