/**
 * Embedded SQLite through better-sqlite3. Durability first: WAL with `synchronous=FULL`, so a
 * transaction is on disk before it is acknowledged. Writers take the lock with `BEGIN IMMEDIATE`.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import { createGroupCommit } from '../group-commit.js';
import { createQueryObservers } from '../query-observers.js';
import type { Database } from '../schema.js';
import { cachingStatements } from '../statement-cache.js';
import type { Storage } from '../storage.js';
import { runTransaction } from '../transaction.js';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly driverConfig: SqliteDialectConfig) {
    super(driverConfig);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.driverConfig);
  }
}

export interface SqliteOptions {
  file: string;
  busyTimeoutMs: number;
  /** Most write transactions that share one commit (group commit); 1 turns grouping off. */
  groupCommitMaxBatch?: number;
}

export function openSqliteDatabase(options: SqliteOptions): SqliteDatabase.Database {
  if (options.file !== ':memory:') fs.mkdirSync(path.dirname(options.file), { recursive: true });
  const raw = new SqliteDatabase(options.file, { timeout: options.busyTimeoutMs });
  raw.defaultSafeIntegers(true);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
  return raw;
}

export function openSqlite(options: SqliteOptions): Storage {
  const raw = openSqliteDatabase(options);
  const queries = createQueryObservers();
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: cachingStatements(raw) }), log: queries.log });
  // One connection commits one transaction at a time, each waiting for its fsync: let the writes
  // that arrive meanwhile share the next commit (see group-commit.ts).
  const groupCommit = createGroupCommit((work) => runTransaction(db, work), { maxBatch: options.groupCommitMaxBatch ?? 1 });
  return {
    dialect: 'sqlite',
    db,
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
