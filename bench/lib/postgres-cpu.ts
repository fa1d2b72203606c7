/**
 * PostgreSQL's own CPU time, read from /proc: the bench's server CPU column counts only Node, and on
 * PostgreSQL much of a transfer's cost (and all of a sealing round's, migration 021) is the
 * database's. Linux only; elsewhere every figure is null.
 */
import fs from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU in ticks of 1/100 s. */
const TICK_US = 10_000;

/**
 * utime + stime, in microseconds, of every process named `postgres` on this machine, by pid
 * (backends, checkpointer, WAL writer, autovacuum...). Empty when /proc cannot be read.
 */
export function postgresCpuUs(): Map<number, number> {
  const found = new Map<number, number>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      if (stat.slice(open + 1, close) !== 'postgres') continue;
      // Fields 14 and 15 (utime, stime); the command name in parentheses may hold spaces.
      const fields = stat.slice(close + 2).split(' ');
      found.set(Number(name), (Number(fields[11]) + Number(fields[12])) * TICK_US);
    } catch {
      // A process that ended while the list was read.
    }
  }
  return found;
}

/**
 * CPU (us) the `postgres` processes spent between two readings of `postgresCpuUs()`: processes that
 * started in between count from zero; one that ended in between is lost (the bench's pooled
 * connections live through a scenario). Null when /proc showed no PostgreSQL at all.
 */
export function postgresCpuSpentUs(start: Map<number, number>, end: Map<number, number>): number | null {
  if (start.size === 0 && end.size === 0) return null;
  let spent = 0;
  for (const [pid, us] of end) spent += us - (start.get(pid) ?? 0);
  return spent;
}
