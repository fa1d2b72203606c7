/**
 * Reads the committed total of user balances straight from the database a few times a second while
 * the faults run: a money movement that is not atomic would show up as a snapshot whose total is
 * off, even if the final total is right. Failed reads (the database busy in recovery) are skipped.
 */
import { sql } from 'kysely';
import type { Storage } from '../../src/storage/storage.js';
import type { TotalSample } from './checker.js';
import type { History } from './history.js';
import { sleep } from './server-process.js';

export class TotalSampler {
  readonly samples: TotalSample[] = [];
  private stopping = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly history: History,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const atMs = this.history.now();
      try {
        const row = await sql<{ total: string | number | bigint }>`select coalesce(sum(balance), 0) as total from accounts where kind = 'user'`.execute(
          this.storage.db,
        );
        this.samples.push({ atMs, total: Number(BigInt(String(row.rows[0]?.total ?? 0))) });
      } catch {
        this.samples.push({ atMs, total: null });
      }
      await sleep(this.intervalMs);
    }
  }
}
