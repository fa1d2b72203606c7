/**
 * The money movement worker's thread (issue 17 item 3): a second composition root that runs the
 * SAME application code as the server (postMovement, in-process) on its own SQLite write
 * connection with its own group commit, opened with the server's settings (openSqlite:
 * `synchronous=FULL`, WAL, the same pragmas). Each command is answered after the COMMIT of its batch
 * returned. Before each BEGIN it lets the main thread's waiting writes go first (write-intent.ts).
 * No timer runs while it is idle. Started by movement-worker-client.ts, never on its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AppContext } from '../app/context.js';
import type { MovementCommand } from '../app/movement-committer.js';
import { encodeError, type Answer, type FromWorker, type ToWorker, type WorkerFault } from '../app/movement-worker-protocol.js';
import { postMovement } from '../app/post-movement.js';
import type { Config } from '../config.js';
import { resolveSecret } from '../secret-file.js';
import { createSecretBox } from '../services/secret-box.js';
import { systemClock } from '../services/system-clock.js';
import { systemRandomness } from '../services/system-randomness.js';
import { openSqlite, type SqliteOptions } from '../storage/dialects/sqlite.js';
import { yieldToMainWrites, type WriteIntent } from '../storage/dialects/sqlite/write-intent.js';
import type { QueryObservation } from '../storage/query-observers.js';

/** What the client hands the worker (structured clone; the intent's memory is shared). */
export interface MovementWorkerData {
  config: Config;
  sqlite: Omit<SqliteOptions, 'beforeBegin'>;
  intent: WriteIntent;
  /** Longest the worker waits for the main thread's writes before one BEGIN. */
  yieldMs: number;
}

/** The exit code of the test-only fault, so the client's log can tell it from a crash. */
export const FAULT_EXIT_CODE = 86;

const port = parentPort;
if (!port) throw new Error('movement-worker-main.ts runs only as a worker thread');
const data = workerData as MovementWorkerData;
let armed: WorkerFault | null = null;

const storage = openSqlite({ ...data.sqlite, beforeBegin: () => void yieldToMainWrites(data.intent, data.yieldMs) });
const ctx: AppContext = {
  config: data.config,
  storage,
  clock: systemClock,
  random: systemRandomness,
  // Test-only: the worker dies inside the batch, after the debit and before the COMMIT.
  faults: { afterDebit: () => void (armed === 'exit-after-debit' && process.exit(FAULT_EXIT_CODE)) },
  passwords: notInTheWorker('passwords'),
  tokens: notInTheWorker('tokens'),
  inFlightKeys: new Set(),
  // Emails of notices are sealed in the outbox like the server's (outbox.ts).
  secrets: createSecretBox({ secret: resolveSecret(data.config), previousSecrets: data.config.secretPrevious }),
};

const running = new Set<Promise<void>>();
// The statements since the last answer go with the next one: the main thread's metrics count them.
let queries: QueryObservation[] = [];
storage.observeQueries((observation) => queries.push(observation));
const takeQueries = () => {
  const taken = queries;
  queries = [];
  return taken;
};
const send = (message: FromWorker) => port.postMessage(message);
let answers: Answer[] = [];
const answer = (a: Answer) => {
  if (answers.push(a) === 1) setImmediate(flushAnswers);
};
function flushAnswers(): void {
  if (answers.length === 0) return;
  send({ type: 'answers', answers, queries: takeQueries() });
  answers = [];
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'commit':
      for (const { id, command } of message.commits) {
        const done = commit(id, command).finally(() => running.delete(done));
        running.add(done);
      }
      return;
    case 'fault':
      armed = message.fault;
      return;
    case 'close':
      void closeWhenDrained();
      return;
  }
});

async function commit(id: number, command: MovementCommand): Promise<void> {
  try {
    const result = await postMovement(ctx, command.actorUserId, command.request, command.idempotency, command.via);
    answer({ id, ok: true, result });
  } catch (error) {
    answer({ id, ok: false, error: encodeError(error) });
  }
}

/** Finishes the batch in flight (every command received before `close`), then closes the connection. */
async function closeWhenDrained(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
  flushAnswers();
  await storage.close();
  send({ type: 'closed' });
}

/** A service the worker never needs (movements sign no token and hash no password): using it is a bug. */
function notInTheWorker<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get() {
      throw new Error(`the movement worker has no ${what}`);
    },
  });
}
