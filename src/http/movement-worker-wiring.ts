/**
 * Whether this server commits money movements in a worker thread (issue 17 item 3), and the wiring
 * when it does: SQLite with SQLITE_WRITE_WORKER on, storage opened by the app itself. Test seams
 * that are functions of this thread (a fake clock or randomness, an afterDebit fault, a shared
 * storage) cannot reach a worker: with any of them, movements commit on this thread as before.
 */
import type { FastifyBaseLogger } from 'fastify';
import { createWriteIntent, announcingWrites } from '../storage/dialects/sqlite/write-intent.js';
import { sqliteOptions } from '../storage/open-storage.js';
import type { QueryListener } from '../storage/query-observers.js';
import type { Storage } from '../storage/storage.js';
import type { BuildOptions } from './app.js';
import { MovementWorkerClient } from './movement-worker-client.js';

/** Longest the worker holds back one BEGIN for the main thread's writes (then it goes anyway). */
const YIELD_TO_MAIN_MS = 50;

/**
 * Test-only: with MINIBANK_TEST_WORKER_FAULT_SIGNAL=on, SIGUSR2 makes the worker die at its next
 * debit, mid-batch (the chaos test's `worker` fault). Not reachable from HTTP.
 */
const FAULT_SIGNAL_ENV = 'MINIBANK_TEST_WORKER_FAULT_SIGNAL';

export interface MovementWorkerWiring {
  /** `storage` telling the worker when this thread waits for the write lock (write-intent.ts). */
  storage: Storage;
  movements: MovementWorkerClient;
  /** Finishes what the worker was sent and stops it; call before closing the storage. */
  close(): Promise<void>;
}

/** The worker and the storage to use beside it, or null when movements commit on this thread. */
export function startMovementWorker(options: BuildOptions, storage: Storage, log: () => FastifyBaseLogger): MovementWorkerWiring | null {
  const { config } = options;
  const sqlite = config.sqliteWriteWorker && !options.storage ? sqliteOptions(config) : null;
  if (!sqlite || options.clock || options.random || options.faults?.afterDebit) return null;
  const intent = createWriteIntent();
  const workerQueries = new Set<QueryListener>();
  const movements = new MovementWorkerClient({
    data: { config, sqlite, intent, yieldMs: YIELD_TO_MAIN_MS },
    onQueries: (observations) => observations.forEach((o) => workerQueries.forEach((listener) => listener(o))),
    onStopped: (exitCode, error) =>
      log().error({ err: error, exitCode }, 'the money movement worker stopped; its commands in flight got 503, the next starts a new one'),
  });
  const armFault = () => movements.armTestFault('exit-after-debit');
  if (process.env[FAULT_SIGNAL_ENV] === 'on') process.on('SIGUSR2', armFault);
  return {
    storage: withWorkerQueries(announcingWrites(storage, intent), workerQueries),
    movements,
    async close() {
      process.off('SIGUSR2', armFault);
      await movements.close();
    },
  };
}

/** `storage` whose query observers also hear the worker's statements (metrics count every statement). */
function withWorkerQueries(storage: Storage, workerQueries: Set<QueryListener>): Storage {
  const observeQueries = (listener: QueryListener) => {
    const stop = storage.observeQueries(listener);
    workerQueries.add(listener);
    return () => {
      stop();
      workerQueries.delete(listener);
    };
  };
  return Object.assign(Object.create(storage) as Storage, { observeQueries });
}
