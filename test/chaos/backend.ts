/**
 * A fresh place for the bank's data, per run: a new SQLite data directory, or a new PostgreSQL
 * database created (and later dropped, by its exact name) through the test admin URL.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { PG_ADMIN_URL } from '../helpers/postgres.js';
import type { Backend } from './options.js';

export interface BackendHandle {
  backend: Backend;
  dataDir: string;
  /** DATABASE_URL for the servers ('' for SQLite). */
  databaseUrl: string;
  /** The name of the database this run created, for the report. */
  label: string;
  /** A direct connection for the sampler and the checker (the checker may read the tables). */
  open(): Storage;
  destroy(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createBackend(backend: Backend, seed: number, pgOptions = ''): Promise<BackendHandle> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `minibank-chaos-${seed}-`));
  let databaseUrl = '';
  let dbName = '';
  if (backend === 'postgres') {
    dbName = `minibank_chaos_${crypto.randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`create database ${dbName}`));
    const url = new URL(PG_ADMIN_URL);
    url.pathname = `/${dbName}`;
    if (pgOptions) url.searchParams.set('options', pgOptions);
    databaseUrl = url.toString();
  }
  // A short busy timeout: better-sqlite3 waits synchronously, and the harness's clocks must not stall.
  const config = loadConfig({}, { dataDir, databaseUrl, dbPoolSize: 4, sqliteBusyTimeoutMs: 200 });
  return {
    backend,
    dataDir,
    databaseUrl,
    label: backend === 'postgres' ? dbName : path.join(dataDir, 'minibank.sqlite'),
    open: () => openStorage(config),
    async destroy() {
      if (dbName) await admin((c) => c.query(`drop database if exists ${dbName} with (force)`));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
