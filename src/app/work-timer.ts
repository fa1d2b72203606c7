/**
 * Adds up the time a background job spends on its own work (ms), leaving out what it waits for
 * around it: its turn in SQLite's group commit, the commit's fsync. On SQLite a round's statements run
 * synchronously on the main thread, so this time is the thread's CPU for the round; on PostgreSQL it
 * is mostly the database's (a round trip or a few per round). The sealer and the notice writer report
 * it (follow-ledger.ts); the bench divides it by the transfers it made.
 */
export class WorkTimer {
  /** Milliseconds spent inside `time` so far. */
  ms = 0;

  /** Runs `work`, adding its duration to `ms` whether it returns or throws. */
  async time<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.ms += performance.now() - started;
    }
  }
}
