/**
 * Embedded SQLite through better-sqlite3. Durability first: WAL with `synchronous=FULL`, so a
 * transaction is on disk before it is acknowledged. Writers take the lock with `BEGIN IMMEDIATE`,
 * and a lock held by another process is waited for without blocking the event loop, for at most
 * `busyTimeoutMs` (sqlite-driver.ts, lock-wait.ts).
 */
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import { createGroupCommit, type TransactionRunner } from '../group-commit.js';
import { LockWaitingSqliteDialect, LockWaitingSqliteDriver } from './sqlite-driver.js';
import { sqliteJournalWriter } from './sqlite/journal-writer.js';
import { createQueryObservers } from '../query-observers.js';
import type { Database } from '../schema.js';
import { cachingStatements } from '../statement-cache.js';
import type { Storage } from '../storage.js';
import { runTransaction } from '../transaction.js';
import { ensurePrivateDir, ensurePrivateFile, sqliteFiles, tightenIfExists } from '../../private-files.js';

export interface SqliteOptions {
  file: string;
  busyTimeoutMs: number;
  /** Most write transactions that share one commit (group commit); 1 turns grouping off. */
  groupCommitMaxBatch?: number;
  /** WAL pages before a commit checkpoints (SQLite's wal_autocheckpoint; default SQLite's 1000). */
  walAutocheckpointPages?: number;
  /** Runs before each write transaction takes the lock (the movement worker yields to the main thread there, write-intent.ts). */
  beforeBegin?: () => void;
}

export function openSqliteDatabase(options: SqliteOptions): SqliteDatabase.Database {
  // Issue 11 class 14: the folder 0700, the file 0600 before SQLite opens it (its -wal/-shm are then created alike).
  if (options.file !== ':memory:') {
    ensurePrivateDir(path.dirname(options.file));
    ensurePrivateFile(options.file);
    for (const companion of sqliteFiles(options.file)) tightenIfExists(companion);
  }
  // While opening, nothing is served yet: SQLite's own (blocking) busy wait is harmless here.
  const raw = new SqliteDatabase(options.file, { timeout: options.busyTimeoutMs });
  raw.defaultSafeIntegers(true);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  // Each group-commit unit runs in a savepoint, whose journal SQLite otherwise spills to temporary
  // files (about 27 temp-file writes per transfer, issue 17 item 2); in memory they cost nothing.
  raw.pragma('temp_store = MEMORY');
  raw.pragma(`wal_autocheckpoint = ${Math.trunc(options.walAutocheckpointPages ?? 1000)}`);
  // From now on a lock held elsewhere fails at once and is waited for on a timer (sqlite-driver.ts,
  // issue 11 class 13): SQLite's busy wait would sleep on the event loop and stop the server.
  raw.pragma('busy_timeout = 0');
  return raw;
}

export function openSqlite(options: SqliteOptions): Storage {
  const raw = openSqliteDatabase(options);
  const queries = createQueryObservers();
  const config = { database: cachingStatements(raw) };
  const driver = new LockWaitingSqliteDriver(config, raw, options.busyTimeoutMs);
  const db = new Kysely<Database>({ dialect: new LockWaitingSqliteDialect(config, driver), log: queries.log });
  // One connection commits one transaction at a time, each waiting for its fsync: let the writes
  // that arrive meanwhile share the next commit (see group-commit.ts).
  // A batch waits for the lock until its oldest unit's deadline; the connection is held while the
  // deadline is set, so the next BEGIN is this batch's.
  const runBatch: TransactionRunner = (work, lockDeadline) =>
    db.connection().execute((connection) => {
      options.beforeBegin?.();
      driver.setNextLockDeadline(lockDeadline);
      return runTransaction(connection, work);
    });
  const groupCommit = createGroupCommit(runBatch, { maxBatch: options.groupCommitMaxBatch ?? 1, lockTimeoutMs: options.busyTimeoutMs });
  return {
    dialect: 'sqlite',
    db,
    journal: sqliteJournalWriter,
    groupsLoneWrites: true,
    observeQueries: queries.subscribe,
    poolStats: () => null,
    writeTransaction: (work) => groupCommit.run(work),
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      return true;
    },
    async close() {
      // Fold the WAL back into the main file so the database is one self-contained file at rest.
      if (raw.open) raw.pragma('wal_checkpoint(TRUNCATE)');
      await db.destroy();
    },
  };
}
