/**
 * PostgreSQL for tests: each caller gets a fresh database, dropped afterwards. Where no server
 * answers, PostgreSQL tests are skipped with a loud notice, except under CI=true, where that is a
 * failure: CI must prove both dialects.
 */
import crypto from 'node:crypto';
import pg from 'pg';

export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const isCi = ['1', 'true'].includes(String(process.env.CI).toLowerCase());

let available: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (error) {
      if (isCi) throw new Error(`CI is set but PostgreSQL at ${PG_ADMIN_URL} is unreachable: ${(error as Error).message}`);
      console.warn(`\n*** SKIPPING PostgreSQL tests: no server at ${PG_ADMIN_URL} (${(error as Error).message}) ***\n`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return available;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTempPgDatabase(): Promise<TempDatabase> {
  const name = `minibank_test_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // Without FORCE first: a connection still open here would be a leak worth seeing in the logs.
    drop: () =>
      admin(async (c) => {
        try {
          await c.query(`drop database if exists ${name}`);
        } catch {
          await c.query(`drop database if exists ${name} with (force)`);
        }
      }),
  };
}
