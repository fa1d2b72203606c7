/**
 * File-level operations on the embedded SQLite database for `minibank backup` and `restore`.
 * A backup is taken through SQLite's online backup API on a separate connection: it copies every
 * page in one step under a read transaction, so it is one consistent moment even while the server
 * writes (WAL lets writers continue meanwhile), and it never sees half a transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { PRIVATE_FILE_MODE } from '../private-files.js';

/** All pages in one step: a step that spans the whole file never restarts because of a concurrent write. */
const ALL_PAGES = 0x7fffffff;

export class SqliteFileError extends Error {
  override name = 'SqliteFileError';
}

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
}

/** Copies the live database at `source` into `destination` (written beside it, then renamed into place). */
export async function backupSqlite(source: string, destination: string, busyTimeoutMs: number): Promise<BackupResult> {
  if (!fs.existsSync(source)) throw new SqliteFileError(`no database at ${source} (check DATA_DIR)`);
  const partial = path.join(path.dirname(destination), `.${path.basename(destination)}.partial-${process.pid}`);
  const db = new SqliteDatabase(source, { fileMustExist: true, timeout: busyTimeoutMs });
  let pages = 0;
  try {
    // Created 0600 before SQLite writes a page into it, so the copy is never readable by others
    // (issue 11 class 14); 'wx' refuses a leftover file of the same name.
    fs.closeSync(fs.openSync(partial, 'wx', PRIVATE_FILE_MODE));
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    const progress = await db.backup(partial, { progress: () => ALL_PAGES });
    pages = progress.totalPages;
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    // A backup is one self-contained file: no WAL beside it, and proven readable before it is kept.
    const copy = new SqliteDatabase(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      const integrity = copy.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') throw new SqliteFileError(`the backup failed its integrity check: ${String(integrity)}`);
    } finally {
      copy.close();
    }
    fs.renameSync(partial, destination);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  return { file: destination, bytes: fs.statSync(destination).size, pages };
}

/** Throws unless `file` is a readable SQLite database that passes its integrity check and holds minibank's ledger. */
export function checkSqliteBackup(file: string): void {
  if (!fs.existsSync(file)) throw new SqliteFileError(`no such file: ${file}`);
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { fileMustExist: true, readonly: true });
  } catch (error) {
    throw new SqliteFileError(`${file} cannot be opened as an SQLite database: ${(error as Error).message}`);
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new SqliteFileError(`${file} failed its integrity check: ${String(integrity)}`);
    const table = db.prepare("select name from sqlite_master where type = 'table' and name = 'ledger_transactions'").get();
    if (!table) throw new SqliteFileError(`${file} is an SQLite database but not a minibank one (no ledger)`);
  } catch (error) {
    if (error instanceof SqliteFileError) throw error;
    throw new SqliteFileError(`${file} is not a usable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** True when the database at `file` holds any user or transaction. */
export function sqliteHasData(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const db = new SqliteDatabase(file, { fileMustExist: true, readonly: true, timeout: 1000 });
  try {
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map((r) => r.name));
    for (const table of ['users', 'ledger_transactions']) {
      if (tables.has(table) && db.prepare(`select 1 from ${table} limit 1`).get()) return true;
    }
    return false;
  } finally {
    db.close();
  }
}

/**
 * Throws when another connection (a running server, a CLI command) has `file` open. Leaving WAL
 * mode needs the database to itself, so the attempt is a reliable, cross-process "in use" test;
 * the file is about to be replaced, so switching its journal mode costs nothing.
 */
export function assertNotInUse(file: string): void {
  if (!fs.existsSync(file)) return;
  const db = new SqliteDatabase(file, { fileMustExist: true, timeout: 200 });
  try {
    db.pragma('journal_mode = DELETE');
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new SqliteFileError(`${file} is in use (is the server running?): stop it before restoring`);
    }
    throw error;
  } finally {
    db.close();
  }
}

/** Copies `backup` beside `target` under a temporary name, to be checked before it replaces anything. */
export function stageCopy(backup: string, target: string): string {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = path.join(path.dirname(target), `.${path.basename(target)}.restore-${process.pid}`);
  fs.copyFileSync(backup, staging);
  // copyFile keeps the backup's mode; the restored database is private whatever the backup's was.
  fs.chmodSync(staging, PRIVATE_FILE_MODE);
  return staging;
}

/** Puts the staged copy in place of `target` with an atomic rename. */
export function commitStaged(staging: string, target: string): void {
  // A WAL left from the old database must not be replayed into the restored one.
  for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${target}${suffix}`, { force: true });
  fs.renameSync(staging, target);
}

export function discardStaged(staging: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${staging}${suffix}`, { force: true });
}
