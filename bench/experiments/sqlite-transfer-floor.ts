/**
 * The floor under a durable SQLite transfer on this machine: the statements an idempotent transfer
 * runs (key claim, savepoints, payer and payee, debit, credit, ledger transaction and entries,
 * stored response), straight through better-sqlite3 on minibank's own schema (migrations and the
 * bench's seed), grouped `--batch` per commit as the group commit does, with `synchronous=FULL`.
 * No HTTP, no Kysely, no JavaScript of ours: what is left is SQLite's work, its page writes to the
 * WAL and the fsync of each commit. Prints figures only.
 *
 * `--sweep` measures, on one seeded database, every combination of `--batches` (per commit),
 * `--wal` (wal_autocheckpoint pages) and `--temp-store` (memory, file), `--rounds` times each in
 * turn, so a machine that gets busier affects all of them alike (issue 17 item 2).
 *
 *   npx tsx bench/experiments/sqlite-transfer-floor.ts [--batch 25] [--transfers 6000]
 *   npx tsx bench/experiments/sqlite-transfer-floor.ts --sweep --batches 16,64,200 --wal 1000,4000,16000 --temp-store memory,file
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { openSqliteDatabase } from '../../src/storage/dialects/sqlite.js';
import { sqliteFile } from '../../src/storage/open-storage.js';
import { seedBank } from '../lib/seed.js';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const list = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return (i >= 0 ? process.argv[i + 1]! : fallback).split(',');
};
const sweep = process.argv.includes('--sweep');
const batches = sweep ? list('--batches', '16,64,200').map(Number) : [flag('--batch', 25)];
const walPages = sweep ? list('--wal', '1000,4000,16000').map(Number) : [1000];
const tempStores = sweep ? list('--temp-store', 'memory') : ['memory'];
const rounds = sweep ? flag('--rounds', 2) : 1;
const transfers = flag('--transfers', 6000);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-floor-'));
try {
  const config = loadConfig({ DATA_DIR: dataDir, SECRET: crypto.randomBytes(32).toString('hex'), RATE_LIMITS: 'off' });
  const bank = await seedBank(config, { accounts: 1000, historySizes: [], log: () => undefined });
  const db = openSqliteDatabase({ file: sqliteFile(config), busyTimeoutMs: 5000 });
  const q = {
    begin: db.prepare('begin immediate'),
    commit: db.prepare('commit'),
    unit: db.prepare('savepoint unit'),
    releaseUnit: db.prepare('release savepoint unit'),
    movement: db.prepare('savepoint movement'),
    releaseMovement: db.prepare('release savepoint movement'),
    claim: db.prepare(
      'insert into idempotency_keys (user_id, key, request_hash, response_status, response_body, created_at) values (?, ?, ?, null, null, ?) on conflict do nothing',
    ),
    // 'user' written in: bound, SQLite would re-prepare this on every run (sqlite-sql-text.ts).
    accounts: db.prepare("select * from accounts where id = ? union all select * from accounts where number = ? and kind = 'user'"),
    debit: db.prepare("update accounts set balance = balance - ? where id = ? and (kind = 'system' or balance >= ?) returning balance"),
    credit: db.prepare('update accounts set balance = balance + ? where id = ? returning balance'),
    transaction: db.prepare(
      'insert into ledger_transactions (id, type, memo, actor_user_id, actor_token_id, actor_session_id, created_at) values (?, ?, ?, ?, ?, ?, ?) returning seq',
    ),
    entries: db.prepare('insert into entries (transaction_seq, account_id, amount, balance_after, created_at) values (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)'),
    store: db.prepare('update idempotency_keys set response_status = ?, response_body = ? where user_id = ? and key = ?'),
  };
  const users = bank.users;
  const responseBody = 'x'.repeat(380); // about the size of a transfer's stored 201 body
  const measure = (batch: number) => {
    let commitMs = 0;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let done = 0; done < transfers; done += batch) {
      q.begin.run();
      for (let i = 0; i < batch; i++) {
        const payer = users[crypto.randomInt(users.length)]!;
        const payee = users[(users.indexOf(payer) + 1 + crypto.randomInt(users.length - 1)) % users.length]!;
        const now = BigInt(Date.now());
        const key = crypto.randomUUID();
        q.unit.run();
        q.claim.run(payer.userId, key, 'h'.repeat(64), now);
        q.movement.run();
        q.accounts.all(payer.accountId, payee.accountNumber);
        const from = q.debit.get(1n, payer.accountId, 1n) as { balance: bigint };
        const to = q.credit.get(1n, payee.accountId) as { balance: bigint };
        const { seq } = q.transaction.get(crypto.randomUUID(), 'transfer', null, payer.userId, null, null, now) as { seq: bigint };
        q.entries.run(seq, payer.accountId, -1n, from.balance, now, seq, payee.accountId, 1n, to.balance, now);
        q.releaseMovement.run();
        q.store.run(201, responseBody, payer.userId, key);
        q.releaseUnit.run();
      }
      const commitStart = performance.now();
      q.commit.run();
      commitMs += performance.now() - commitStart;
    }
    const cpu = process.cpuUsage(cpuBefore);
    return {
      wallUs: ((performance.now() - started) * 1000) / transfers,
      commitUs: (commitMs * 1000) / transfers,
      user: cpu.user / transfers,
      system: cpu.system / transfers,
    };
  };
  if (sweep)
    console.log(
      '| per commit | wal_autocheckpoint | temp_store | round | per transfer (wall) | of which COMMIT | CPU user / system |\n| --- | --- | --- | --- | --- | --- | --- |',
    );
  for (let round = 1; round <= rounds; round++) {
    for (const batch of batches) {
      for (const wal of walPages) {
        for (const tempStore of tempStores) {
          db.pragma(`wal_autocheckpoint = ${wal}`);
          db.pragma(`temp_store = ${tempStore === 'file' ? 'FILE' : 'MEMORY'}`);
          db.pragma('wal_checkpoint(TRUNCATE)');
          const f = measure(batch);
          if (sweep) {
            console.log(
              `| ${batch} | ${wal} | ${tempStore} | ${round} | ${f.wallUs.toFixed(0)} us | ${f.commitUs.toFixed(0)} us | ${f.user.toFixed(0)} / ${f.system.toFixed(0)} us |`,
            );
            continue;
          }
          console.log(`${transfers} transfers, ${batch} per commit, synchronous=FULL`);
          console.log(`  ${f.wallUs.toFixed(0)} us per transfer (${Math.round(1e6 / f.wallUs)}/s on one thread), of which COMMIT ${f.commitUs.toFixed(0)} us`);
          console.log(`  CPU per transfer: user ${f.user.toFixed(0)} us, system ${f.system.toFixed(0)} us`);
        }
      }
    }
  }
  db.close();
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
