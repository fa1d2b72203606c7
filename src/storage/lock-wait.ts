/**
 * Waiting for SQLite's write lock without stopping the server (issue 11, class 13).
 *
 * better-sqlite3 is synchronous: with a busy timeout, SQLite's busy handler sleeps on the calling
 * thread, which is the event loop, so while another process held the write lock every request
 * (even /healthz) stood still. The server's connection therefore runs with `busy_timeout = 0`: a
 * statement that meets the lock fails at once with SQLITE_BUSY, and `waitOutBusy` retries it after
 * a short pause on a timer, so the event loop keeps serving meanwhile. Past the deadline the caller
 * gets `LockTimeoutError` and nothing was written.
 */

/**
 * The database stayed locked by another process until the deadline; nothing was written. Its code
 * is a SQLITE_BUSY one, so the HTTP layer answers it like any storage fault (storage-faults.ts):
 * 503 `unavailable` with a request id, logged with its cause. It is deliberately not a DomainError:
 * a passing fault must never be encoded as a movement's answer or stored for an Idempotency-Key.
 */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  readonly code = 'SQLITE_BUSY_TIMEOUT';
  constructor(readonly waitedForMs: number) {
    super(`the database stayed locked by another process for ${Math.round(waitedForMs)} ms (SQLITE_BUSY_TIMEOUT_MS)`);
  }
}

/** SQLite said the database is locked by another connection (SQLITE_BUSY or an extended BUSY code). */
export function isSqliteBusy(error: unknown): boolean {
  if (error instanceof LockTimeoutError) return false;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** Milliseconds on a monotonic clock (deadlines must not move when the wall clock is set). */
export const monotonicNow = (): number => performance.now();

/** Pause before retry number `attempt` (1, 2, ...): 1, 2, 4, 8, 16 then 25 ms, like SQLite's own busy handler. */
export function busyBackoffMs(attempt: number): number {
  return Math.min(25, 2 ** Math.max(0, attempt - 1));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY. Between tries, `pause(ms)` is awaited
 * (a timer, so the event loop turns; the caller may also lend its connection out meanwhile). Each
 * pause is cut to end at `deadline` (a `monotonicNow()` time); a try that is still BUSY at the
 * deadline throws `LockTimeoutError`. Any other error is thrown unchanged.
 *
 * `attempt` must be safe to repeat after a BUSY failure: BEGIN, COMMIT, or a statement outside a
 * transaction (SQLite undoes a statement that fails with BUSY; https://sqlite.org/rescode.html#busy).
 */
export async function waitOutBusy<T>(attempt: () => Promise<T>, deadline: number, pause: (ms: number) => Promise<void> = sleep): Promise<T> {
  const started = monotonicNow();
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isSqliteBusy(error)) throw error;
    }
    const left = deadline - monotonicNow();
    if (left <= 0) throw new LockTimeoutError(monotonicNow() - started);
    await pause(Math.max(1, Math.min(left, busyBackoffMs(tries))));
  }
}
