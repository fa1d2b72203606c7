/**
 * What the clients did and saw: every operation with every attempt, plus a per-second timeline for
 * the plot. The checker judges the bank against this record.
 */
import type { HoldChaosOp } from './hold-workload.js';

/** ok: a 2xx; fail: a definite business refusal (4xx); unknown: timeout, reset, 5xx, or "still in progress". */
export type Outcome = 'ok' | 'fail' | 'unknown';

export type Phase = 'load' | 'resolve' | 'replay';

export interface Attempt {
  phase: Phase;
  instance: number;
  startMs: number;
  endMs: number;
  outcome: Outcome;
  status?: number;
  code?: string;
  /** Network-level failure (timeout, ECONNRESET, ECONNREFUSED...). */
  error?: string;
  replayed?: boolean;
  /** The transaction id from a 201 body. */
  txId?: string;
}

export interface TransferOp {
  id: string;
  kind: 'transfer';
  client: number;
  from: number;
  to: number;
  /** How the payee was named: by username or by account number. */
  toBy: 'username' | 'number';
  amount: number;
  key: string;
  memo: string;
  attempts: Attempt[];
  /** The outcome the client first reported (after its in-line retries, during the load). */
  loadOutcome: Outcome;
  /** After the resolve phase: what the bank finally said. */
  final: Outcome;
  txId?: string;
  code?: string;
}

export interface ReadOp {
  id: string;
  kind: 'me' | 'transactions';
  client: number;
  user: number;
  attempt: Attempt;
}

export interface NegativeRead {
  opId: string;
  user: number;
  value: number;
  where: string;
}

export interface TimelineBucket {
  second: number;
  ok: number;
  fail: number;
  unknown: number;
  /** Answered (ok or refused) requests per instance, for the JSON report. */
  answeredByInstance: number[];
}

export class History {
  readonly transfers: TransferOp[] = [];
  /** Hold operations (issue 14 item 2; hold-workload.ts). */
  readonly holds: HoldChaosOp[] = [];
  readonly reads: ReadOp[] = [];
  readonly negativeReads: NegativeRead[] = [];
  readonly timeline: TimelineBucket[] = [];

  constructor(readonly startedAtMs: number) {}

  /** Milliseconds since the load started. */
  now(): number {
    return Date.now() - this.startedAtMs;
  }

  count(attempt: Attempt): void {
    if (attempt.phase !== 'load') return;
    const second = Math.max(0, Math.floor(attempt.endMs / 1000));
    while (this.timeline.length <= second) this.timeline.push({ second: this.timeline.length, ok: 0, fail: 0, unknown: 0, answeredByInstance: [] });
    const bucket = this.timeline[second] as TimelineBucket;
    bucket[attempt.outcome]++;
    if (attempt.outcome !== 'unknown') bucket.answeredByInstance[attempt.instance] = (bucket.answeredByInstance[attempt.instance] ?? 0) + 1;
  }

  seeBalance(opId: string, user: number, value: unknown, where: string): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) this.negativeReads.push({ opId, user, value: Number(value), where });
  }
}
