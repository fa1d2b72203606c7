/**
 * The server's background sealer (issue 16 item 1): runs `sealChain` with a pause of half of
 * CHAIN_SEAL_MAX_DELAY_MS between rounds, so a transaction committed on this instance or any other
 * is sealed within the delay (one pause to notice it, the rounds, tens of ms under load, well under
 * the other half). Ticks never overlap; a failed round is reported and the next tick tries again.
 * Batching by tick, rather than one round per commit, keeps the sealer from competing with the
 * money path for SQLite's write lock, and fewer, larger rounds cost less per transaction: a quarter
 * of the delay cost PostgreSQL a third more per transfer on the transfer benchmark (30.6 against
 * 22.7 us, docs/performance.md "Round 2, fourth session").
 */
import type { AppContext } from './context.js';
import { sealChain } from './seal-chain.js';

export interface ChainSealer {
  /** The pause between the end of one round and the next, ms: sealTickMs(CHAIN_SEAL_MAX_DELAY_MS). */
  readonly tickMs: number;
  /** Stops the ticks and waits for a round in progress to finish. */
  stop(): Promise<void>;
}

/** The tick (the pause between rounds), ms: half of the allowed delay, at least 10 ms. */
export const sealTickMs = (maxDelayMs: number): number => Math.max(10, Math.floor(maxDelayMs / 2));

/**
 * Starts ticking now; `onError` hears a round that failed (logged by the caller, never thrown).
 * `round` is one tick's work: sealing alone by default; the server passes follow-ledger.ts's
 * `followLedger`, which also writes the movement notices of what it sealed.
 */
export function startChainSealer(
  ctx: Pick<AppContext, 'storage' | 'clock' | 'faults'>,
  maxDelayMs: number,
  onError: (error: unknown) => void,
  round: () => Promise<unknown> = () => sealChain(ctx),
): ChainSealer {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tickMs = sealTickMs(maxDelayMs);
  const tick = () => {
    running = round()
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, tickMs);
      });
  };
  tick();
  return {
    tickMs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
