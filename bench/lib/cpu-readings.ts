/**
 * CPU readings for bench/interleave.ts, where several servers run side by side and take turns under
 * load: each server's Node process, each PostgreSQL backend by the database it serves (so a
 * variant's database work is counted as its own even when it runs after its turn), and PostgreSQL's
 * shared processes (checkpointer, WAL writer...), which serve no one database.
 */
import pg from 'pg';
import { postgresCpuUs } from './postgres-cpu.js';

/** One moment's counters: CPU in microseconds. */
export interface CpuReading {
  /** Each server's Node CPU, in the order the servers were given. */
  servers: (number | null)[];
  /** The kernel's share of it (system time: writes, fsync, checkpoints on SQLite). */
  serversSystem: (number | null)[];
  /** Every `postgres` process's CPU, by pid. */
  postgres: Map<number, number>;
  /** Each `postgres` pid's database (absent for the shared processes). */
  databaseOf: Map<number, string>;
}

/** Reads the counters; `databases` answers pid -> database (null on SQLite: no PostgreSQL read). */
export async function readCpu(
  servers: readonly { cpuTimes(): { user: number; system: number } | null }[],
  databases: BackendDatabases | null,
): Promise<CpuReading> {
  const times = servers.map((s) => s.cpuTimes());
  const nodeUs = times.map((t) => (t === null ? null : (t.user + t.system) * 1e6));
  const systemUs = times.map((t) => (t === null ? null : t.system * 1e6));
  if (!databases) return { servers: nodeUs, serversSystem: systemUs, postgres: new Map(), databaseOf: new Map() };
  const postgres = postgresCpuUs();
  // The bench's own queries are no variant's work.
  postgres.delete(databases.ownPid);
  return { servers: nodeUs, serversSystem: systemUs, postgres, databaseOf: await databases.read() };
}

/** CPU (us) between two readings of the backends serving `database`; a pid new since `from` counts from zero. */
export function databaseCpuBetween(from: CpuReading, to: CpuReading, database: string): number {
  let spent = 0;
  for (const [pid, us] of to.postgres) if (to.databaseOf.get(pid) === database) spent += us - (from.postgres.get(pid) ?? 0);
  return spent;
}

/** CPU (us) between two readings of the `postgres` processes that serve no database of `own` (shared work). */
export function sharedCpuBetween(from: CpuReading, to: CpuReading, own: ReadonlySet<string>): number {
  let spent = 0;
  for (const [pid, us] of to.postgres) {
    const database = to.databaseOf.get(pid);
    if (database === undefined || !own.has(database)) spent += us - (from.postgres.get(pid) ?? 0);
  }
  return spent;
}

/** pid -> database of PostgreSQL's backends, from pg_stat_activity over one admin connection (itself left out). */
export interface BackendDatabases {
  /** The admin connection's own backend. */
  ownPid: number;
  read(): Promise<Map<number, string>>;
  close(): Promise<void>;
}

export async function backendDatabases(adminUrl: string): Promise<BackendDatabases> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  return {
    ownPid: rows[0]!.pid,
    async read() {
      const { rows } = await client.query<{ pid: number; datname: string }>(
        'select pid, datname from pg_stat_activity where datname is not null and pid <> pg_backend_pid()',
      );
      return new Map(rows.map((r) => [r.pid, r.datname]));
    },
    close: () => client.end(),
  };
}
