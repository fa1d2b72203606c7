/**
 * PostgreSQL's retry rule, in one place: a serialization failure (40001) or a deadlock (40P01) rolls
 * the whole transaction back, so it is safe to run it again; anything else is the caller's.
 */

/** SQLSTATEs whose transaction may simply be run again. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);
/** Tries of one transaction before its 40001/40P01 reaches the caller. */
export const MAX_ATTEMPTS = 8;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `run`, and again (at most `maxAttempts` tries in all) while it fails with 40001 or 40P01,
 * pausing a random 0 to 5 x attempt ms between tries so two victims do not collide again at once.
 * `onRetry` hears each retry (tests, stats).
 * @throws the last error, or at once any error that is not retryable.
 */
export async function retryingConflicts<T>(run: () => Promise<T>, options: { maxAttempts?: number; onRetry?: () => void } = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRYABLE_CODES.has(code) || attempt >= maxAttempts) throw error;
      options.onRetry?.();
      await pause(Math.random() * 5 * attempt);
    }
  }
}
