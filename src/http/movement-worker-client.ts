/**
 * The main thread's side of the money movement worker (issue 17 item 3): a MovementCommitter that
 * sends each command to a worker thread (movement-worker-main.ts) and settles it with the worker's
 * answer, given only after the COMMIT of the command's batch returned.
 *
 * A worker that exits or throws (mid-batch too) fails every command in flight with 503
 * `unavailable`: none was acknowledged, and SQLite rolls back the batch it had not committed (the
 * thread's connection is closed as the thread ends, which releases the write lock). The next command
 * starts a new worker. `close()` lets the worker finish what it was sent, close its connection, and
 * then terminates it.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { IdempotentResult } from '../app/idempotency.js';
import type { MovementCommand, MovementCommitter } from '../app/movement-committer.js';
import type { MovementOutcome } from '../app/movement-outcome.js';
import { decodeError, workerStoppedError, type FromWorker, type ToWorker, type WorkerFault } from '../app/movement-worker-protocol.js';
import type { QueryObservation } from '../storage/query-observers.js';
import type { MovementWorkerData } from './movement-worker-main.js';

interface Pending {
  resolve(result: IdempotentResult<MovementOutcome>): void;
  reject(error: unknown): void;
}

/** Longest `close()` waits for the worker to finish its commands before terminating it anyway. */
const CLOSE_GRACE_MS = 30_000;

export interface MovementWorkerOptions {
  data: MovementWorkerData;
  /** Told when a worker stops unexpectedly (for the log): its exit code and its error, if it threw. */
  onStopped?: (exitCode: number, error: Error | undefined) => void;
  /** Hears the worker's statements (kind, duration), before the answers they came with settle. */
  onQueries?: (observations: QueryObservation[]) => void;
  /** The worker's entry file; default: movement-worker-main beside this module (workerEntry). */
  entry?: URL;
}

export class MovementWorkerClient implements MovementCommitter {
  #worker: Worker | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closing: Promise<void> | null = null;
  #restarts = 0;
  /** Commands of this turn of the event loop, sent together at its end. */
  #outbox: { id: number; command: MovementCommand }[] = [];

  constructor(private readonly options: MovementWorkerOptions) {
    this.#worker = this.#start();
  }

  /** Workers started after the first (tests). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Commands sent and not yet answered (tests). */
  get inFlight(): number {
    return this.#pending.size;
  }

  commit(command: MovementCommand): Promise<IdempotentResult<MovementOutcome>> {
    if (this.#closing) return Promise.reject(workerStoppedError());
    const worker = (this.#worker ??= (this.#restarts++, this.#start()));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      if (this.#outbox.push({ id, command }) === 1) setImmediate(() => this.#flush());
    });
  }

  /** Sends this turn's commands to the current worker (none if it died meanwhile: they got 503). */
  #flush(): void {
    const commits = this.#outbox;
    this.#outbox = [];
    if (commits.length > 0 && this.#worker) this.#post(this.#worker, { type: 'commit', commits });
  }

  /**
   * Test-only (never reachable from HTTP): the worker dies at the next movement's debit, inside its
   * batch and before the COMMIT (the chaos test and test/integration/movement-worker*.test.ts).
   */
  armTestFault(fault: WorkerFault): void {
    if (this.#worker) this.#post(this.#worker, { type: 'fault', fault });
  }

  close(): Promise<void> {
    this.#closing ??= this.#drainAndStop();
    return this.#closing;
  }

  async #drainAndStop(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.ref();
    this.#flush();
    this.#post(worker, { type: 'close' });
    const grace = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
    try {
      await exited;
    } finally {
      clearTimeout(grace);
    }
  }

  #start(): Worker {
    const worker = startWorker(this.options.entry ?? workerEntry(), this.options.data);
    // Referenced only while commands are in flight: an idle worker must not keep the process alive.
    worker.unref();
    let thrown: Error | undefined;
    worker.on('message', (message: FromWorker) => this.#onMessage(worker, message));
    worker.on('error', (error) => (thrown = error));
    worker.on('exit', (code) => this.#onExit(worker, code, thrown));
    return worker;
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    if (message.type === 'closed') {
      void worker.terminate();
      return;
    }
    if (message.queries.length > 0) this.options.onQueries?.(message.queries);
    for (const answer of message.answers) {
      const pending = this.#pending.get(answer.id);
      if (!pending) continue;
      this.#pending.delete(answer.id);
      if (answer.ok) pending.resolve(answer.result);
      else pending.reject(decodeError(answer.error));
    }
    if (this.#pending.size === 0 && !this.#closing) worker.unref();
  }

  /** Every command still in flight gets 503; the next command starts a new worker (none while closing). */
  #onExit(worker: Worker, code: number, thrown: Error | undefined): void {
    if (this.#worker === worker) {
      this.#worker = null;
      this.#outbox = [];
    }
    const unanswered = [...this.#pending.values()];
    this.#pending.clear();
    for (const pending of unanswered) pending.reject(workerStoppedError());
    if (!this.#closing) this.options.onStopped?.(code, thrown);
  }

  #post(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }
}

/**
 * A worker on `entry`. From the sources (a `.ts` entry, under tsx: tests, `--server tsx`) the
 * thread registers tsx itself first: Node 20 does not carry `--import tsx` into a worker's loader.
 */
function startWorker(entry: URL, workerData: MovementWorkerData): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, resourceLimits: WORKER_LIMITS });
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
}

/**
 * The worker's young generation: 6 MB instead of V8's default (its new space grew to 32 MB under
 * the transfer bench while it held 9 MB live); about 25 MB of peak RSS, no measurable CPU per
 * transfer (docs/performance.md "Memory", issue 17's RSS target).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 6 };

/**
 * The worker's entry file: movement-worker-main beside this module, as `.ts` when running from the
 * sources (tsx) and `.js` when built; inside a single-file bundle (test/chaos/server-build.ts) it is
 * bundled beside the server as `<bundle name>.movement-worker.mjs`.
 */
export function workerEntry(here: string = import.meta.url): URL {
  const sibling = /\/movement-worker-client\.(ts|js)$/.exec(here);
  if (sibling) return new URL(`./movement-worker-main.${sibling[1]}`, here);
  return new URL(`${here.replace(/\.m?js$/, '')}.movement-worker.mjs`);
}
