/**
 * Kysely's SQLite driver prepares every statement afresh, and preparing (parsing and planning the
 * SQL) costs more than running the small statements a bank makes. This wrapper hands Kysely the
 * same prepared statement each time the same SQL comes back. The SQL text holds placeholders, never
 * values, so the number of distinct statements is small; the cache is bounded anyway (oldest out).
 *
 * Reusing a statement is safe here because better-sqlite3 runs each one to completion
 * synchronously (`all`/`run`), and minibank never streams (`iterate`) a query.
 *
 * The cache only saves JavaScript's prepares: SQLite itself re-prepares a cached statement on every
 * run when a bound value may change its plan; dialects/sqlite-sql-text.ts keeps the SQL clear of that.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase, SqliteStatement } from 'kysely';
import { unplannedLimits } from './dialects/sqlite-sql-text.js';

export function cachingStatements(raw: SqliteDatabase.Database, maxStatements = 256): KyselySqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement) return statement;
      // A bound LIMIT would make SQLite re-prepare the statement on every run (sqlite-sql-text.ts).
      statement = raw.prepare(unplannedLimits(sql));
      if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
      return statement;
    },
    close() {
      cache.clear();
      raw.close();
    },
  };
}
