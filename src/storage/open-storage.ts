import path from 'node:path';
import type { Config } from '../config.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite, type SqliteOptions } from './dialects/sqlite.js';
import type { Storage } from './storage.js';

export function sqliteFile(config: Pick<Config, 'dataDir'>): string {
  return path.resolve(config.dataDir, 'minibank.sqlite');
}

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file in DATA_DIR. */
export function openStorage(config: Config): Storage {
  const sqlite = sqliteOptions(config);
  if (!sqlite) return openPostgres({ url: config.databaseUrl, poolSize: config.dbPoolSize });
  return openSqlite(sqlite);
}

/**
 * How `openStorage` opens SQLite for `config`, or null on PostgreSQL: the money movement worker
 * (issue 17 item 3) opens its own connection to the same file with the same settings.
 */
export function sqliteOptions(config: Config): SqliteOptions | null {
  if (config.databaseUrl) return null;
  return {
    file: sqliteFile(config),
    busyTimeoutMs: config.sqliteBusyTimeoutMs,
    groupCommitMaxBatch: config.groupCommitMaxBatch,
    walAutocheckpointPages: config.sqliteWalAutocheckpoint,
  };
}
