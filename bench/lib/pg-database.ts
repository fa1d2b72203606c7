/**
 * A throwaway PostgreSQL database for one bench run (bench/run.ts, bench/interleave.ts): created on
 * the server `adminUrl` names, with a random name under `prefix`, and dropped (connections and all)
 * by `drop()`.
 */
import crypto from 'node:crypto';
import pg from 'pg';

export interface PgDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates the database; throws what PostgreSQL throws (the server down, no right to create). */
export async function createPgDatabase(adminUrl: string, prefix = 'minibank_bench'): Promise<PgDatabase> {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
