import path from 'node:path';
import type { Config } from '../config.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import type { Storage } from './storage.js';

export function sqliteFile(config: Pick<Config, 'dataDir'>): string {
  return path.resolve(config.dataDir, 'minibank.sqlite');
}

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded SQLite file in DATA_DIR. */
export function openStorage(config: Config): Storage {
  if (config.databaseUrl) return openPostgres({ url: config.databaseUrl, poolSize: config.dbPoolSize });
  return openSqlite({
    file: sqliteFile(config),
    busyTimeoutMs: config.sqliteBusyTimeoutMs,
    groupCommitMaxBatch: config.groupCommitMaxBatch,
    walAutocheckpointPages: config.sqliteWalAutocheckpoint,
  });
}
