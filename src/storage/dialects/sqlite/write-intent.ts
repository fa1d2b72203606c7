/**
 * "The main thread wants SQLite's write lock" (issue 17 item 3): with money movements committed in
 * a worker thread on a second connection, two connections of one process compete for the one write
 * lock. The main thread waits for a lock on a timer (lock-wait.ts), polling every 1-25 ms, while a
 * worker flooded with transfers takes the lock again the moment it commits: the main thread's sign-ins
 * and sessions could wait until their busy timeout. So the main thread counts its write transactions
 * waiting or running in a shared counter, and the worker, before each BEGIN, waits (blocking; it is
 * not the event loop) until that count is zero, at most `maxWaitMs` so it cannot be starved either.
 */
import type { Storage, Trx } from '../../storage.js';

/** A counter in shared memory, one Int32 cell: the main thread's write transactions waiting or running. */
export type WriteIntent = Int32Array;

/** A fresh counter (0), to share with the worker through `workerData`. */
export function createWriteIntent(): WriteIntent {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/**
 * `storage` whose `writeTransaction` raises the intent from the call until it settles (queued in
 * the group commit, waiting for the lock, running, committing), then lowers it and wakes the worker.
 */
export function announcingWrites(storage: Storage, intent: WriteIntent): Storage {
  const writeTransaction = async <T>(work: (trx: Trx) => Promise<T>): Promise<T> => {
    Atomics.add(intent, 0, 1);
    try {
      return await storage.writeTransaction(work);
    } finally {
      Atomics.sub(intent, 0, 1);
      Atomics.notify(intent, 0);
    }
  };
  return Object.assign(Object.create(storage) as Storage, { writeTransaction });
}

/**
 * In the worker, before taking the write lock: blocks while the main thread has writes waiting or
 * running, for at most `maxWaitMs` in all. Returns the milliseconds waited (0 when none were).
 */
export function yieldToMainWrites(intent: WriteIntent, maxWaitMs: number): number {
  const started = performance.now();
  for (;;) {
    const wanting = Atomics.load(intent, 0);
    const left = maxWaitMs - (performance.now() - started);
    if (wanting <= 0 || left <= 0) return performance.now() - started;
    Atomics.wait(intent, 0, wanting, left);
  }
}
