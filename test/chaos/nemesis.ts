/**
 * The fault injector, on a seeded schedule: kill -9 then restart, and SIGSTOP for longer than the
 * client timeout then SIGCONT. With two instances it only ever takes one down at a time, so the
 * other keeps serving. It speeds up when it is behind its kill target (restart time varies with the
 * machine) so the standard run always gets its kills in. A server that exits on its own is
 * restarted and recorded as a crash.
 */
import type { Cluster } from './cluster.js';
import type { History } from './history.js';
import type { Prng } from './prng.js';
import { sleep } from './server-process.js';

export interface FaultEvent {
  /** `worker`: SQLite's money movement worker made to die mid-batch, after a debit (SIGUSR2, test-only). */
  kind: 'kill' | 'pause' | 'term' | 'crash' | 'worker';
  instance: number;
  /** When the fault began and when the instance was back (ready or resumed), ms since load start. */
  startMs: number;
  endMs: number;
}

export interface NemesisSettings {
  minKills: number;
  timeoutMs: number;
  /** Share of faults that are pauses rather than kills, when not behind the kill target. */
  pauseShare: number;
  /** Pauses to inject even when behind the kill target (the run stretches a little instead). */
  minPauses: number;
  /** Share of faults that are a graceful restart (SIGTERM under load), when not behind. */
  termShare: number;
  /** Graceful restarts to inject even when behind the kill target. */
  minTerms: number;
  /** Share of faults that kill the movement worker mid-batch (0 where there is none: PostgreSQL). */
  workerKillShare: number;
  /** Movement worker kills to inject even when behind the kill target. */
  minWorkerKills: number;
}

/**
 * When the load ends: at the planned length, or later if the nemesis has not yet got its minimum
 * kills in (a slow machine restarts slowly), but never past `maxMs`.
 */
export class LoadDeadline {
  constructor(
    readonly plannedMs: number,
    readonly maxMs: number,
    private readonly history: History,
    private readonly enough: () => boolean,
  ) {}

  over(): boolean {
    const now = this.history.now();
    return now >= this.maxMs || (now >= this.plannedMs && this.enough());
  }
}

export class Nemesis {
  readonly faults: FaultEvent[] = [];
  /** SIGTERMs under load that did not end in a clean exit 0 within the grace period. */
  readonly unclean: { instance: number; atMs: number; how: string }[] = [];
  private stopping = false;
  private killCycleMs = 1500;

  constructor(
    private readonly cluster: Cluster,
    private readonly rng: Prng,
    private readonly history: History,
    private readonly settings: NemesisSettings,
  ) {}

  get kills(): number {
    return this.faults.filter((f) => f.kind === 'kill').length;
  }

  get terms(): number {
    return this.faults.filter((f) => f.kind === 'term').length;
  }

  get workerKills(): number {
    return this.faults.filter((f) => f.kind === 'worker').length;
  }

  get pauses(): number {
    return this.faults.filter((f) => f.kind === 'pause').length;
  }

  stop(): void {
    this.stopping = true;
  }

  async run(deadline: LoadDeadline): Promise<void> {
    while (!this.stopping && !deadline.over()) {
      await this.restartCrashed();
      const remainingMs = Math.max(0, deadline.plannedMs - this.history.now());
      const killsBehind = this.settings.minKills - this.kills;
      const behind = killsBehind > 0 && remainingMs / killsBehind < this.killCycleMs * 1.6;
      // Even when behind, let the server serve a moment between kills, so kills land on a busy server.
      const gapMs = behind ? this.rng.int(200, 500) : this.rng.int(200, 1200);
      await sleep(gapMs);
      if (this.stopping || deadline.over() || (!behind && this.history.now() >= deadline.plannedMs - 300)) break;
      const target = this.cluster.pick(this.rng);
      const pauseDue = this.pauses < this.settings.minPauses && this.rng.chance(0.3);
      if (pauseDue || (!behind && this.rng.chance(this.settings.pauseShare))) {
        const startMs = this.history.now();
        target.pause();
        await sleep(this.settings.timeoutMs + this.rng.int(200, 1500));
        target.resume();
        this.faults.push({ kind: 'pause', instance: target.index, startMs, endMs: this.history.now() });
      } else if ((this.workerKills < this.settings.minWorkerKills && this.rng.chance(0.3)) || (!behind && this.rng.chance(this.settings.workerKillShare))) {
        // The worker dies at the instance's next debit, inside its batch: that batch gets 503s
        // (unknown to the clients, retried with their keys); the server itself keeps running.
        const startMs = this.history.now();
        target.killMovementWorker();
        await sleep(this.rng.int(200, 600));
        this.faults.push({ kind: 'worker', instance: target.index, startMs, endMs: this.history.now() });
      } else if ((this.terms < this.settings.minTerms && this.rng.chance(0.2)) || (!behind && this.rng.chance(this.settings.termShare))) {
        // The contract's SIGTERM: stop accepting, finish what is in flight, exit 0. Under load.
        const startMs = this.history.now();
        const how = await target.stop(10_000);
        if (how !== 'graceful') this.unclean.push({ instance: target.index, atMs: startMs, how });
        await target.start();
        this.faults.push({ kind: 'term', instance: target.index, startMs, endMs: this.history.now() });
      } else {
        const startMs = this.history.now();
        await target.kill9();
        await sleep(this.rng.int(0, 300));
        await target.start();
        const endMs = this.history.now();
        this.faults.push({ kind: 'kill', instance: target.index, startMs, endMs });
        // A moving average of how long a kill takes, so the pacing adapts to this machine.
        this.killCycleMs = this.killCycleMs * 0.7 + (endMs - startMs) * 0.3;
      }
    }
  }

  /** Brings every instance back: resumed if paused, restarted if dead. */
  async heal(): Promise<void> {
    for (const server of this.cluster.servers) server.resume();
    await this.restartCrashed();
  }

  private async restartCrashed(): Promise<void> {
    for (const server of this.cluster.servers) {
      if (server.running) continue;
      const startMs = this.history.now();
      await server.start();
      this.faults.push({ kind: 'crash', instance: server.index, startMs, endMs: this.history.now() });
    }
  }
}
