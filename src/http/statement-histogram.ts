/**
 * `minibank_db_query_duration_seconds` kept in plain number arrays instead of a prom-client
 * Histogram (issue 17 item 4: one metrics observation per batch, not per statement). A transfer runs
 * about a dozen statements; prom-client's `observe` validates the labels, hashes them into a string
 * and looks the bucket up by a number-to-string key on every one of them. Here a statement adds to
 * three slots of a Float64Array picked by array index (kind x outcome), and the buckets are turned
 * into the Prometheus series only when /metrics is scraped.
 *
 * The exported family is the same as prom-client's Histogram with the same name, help, labels and
 * buckets would give (cumulative `_bucket{le}` with `+Inf`, `_sum`, `_count`, one series per label
 * set observed at least once), so dashboards and alerts on it are unchanged; test/unit/statement-histogram.test.ts
 * compares the two texts.
 */
import type client from 'prom-client';
import type { QueryKind } from '../storage/query-observers.js';

const KINDS: readonly QueryKind[] = ['select', 'insert', 'update', 'delete', 'transaction', 'other'];
const KIND_INDEX: Readonly<Record<QueryKind, number>> = { select: 0, insert: 1, update: 2, delete: 3, transaction: 4, other: 5 };
const OUTCOMES = ['ok', 'error'] as const;

type Value = { value: number; labels: Record<string, string | number>; metricName: string };

export interface StatementHistogramOptions {
  name: string;
  help: string;
  /** Upper bounds in seconds, ascending (prom-client's `buckets`). */
  buckets: readonly number[];
}

/** A histogram labelled `kind` (a QueryKind) and `outcome` (`ok`, `error`), registered in a prom-client registry. */
export class StatementHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly bounds: Float64Array;
  /** Per series (kind * 2 + outcome): per-bucket counts (not cumulative), then the count, then the sum. */
  private readonly slots: Float64Array;
  private readonly stride: number;

  constructor(options: StatementHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.bounds = Float64Array.from(options.buckets);
    this.stride = this.bounds.length + 2;
    this.slots = new Float64Array(KINDS.length * OUTCOMES.length * this.stride);
  }

  /** Adds `registry`'s copy of this family (prom-client calls `get()` at scrape time). */
  registerIn(registry: client.Registry): this {
    registry.registerMetric(this as unknown as client.Metric);
    return this;
  }

  /** One statement's duration in seconds; `failed` picks the `error` outcome. Non-finite durations are ignored. */
  observe(kind: QueryKind, failed: boolean, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const bounds = this.bounds;
    const base = ((KIND_INDEX[kind] ?? 5) * 2 + (failed ? 1 : 0)) * this.stride;
    let bucket = 0;
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++;
    if (bucket < bounds.length) this.slots[base + bucket]! += 1;
    this.slots[base + bounds.length]! += 1;
    this.slots[base + bounds.length + 1]! += seconds;
  }

  /** The family as prom-client's registry reads it. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Value[] }> {
    const values: Value[] = [];
    const n = this.bounds.length;
    for (let k = 0; k < KINDS.length; k++) {
      for (let o = 0; o < OUTCOMES.length; o++) {
        const base = (k * 2 + o) * this.stride;
        const count = this.slots[base + n]!;
        if (count === 0) continue;
        const labels = { kind: KINDS[k]!, outcome: OUTCOMES[o]! };
        let cumulative = 0;
        for (let b = 0; b < n; b++) {
          cumulative += this.slots[base + b]!;
          values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[b]!, ...labels }, value: cumulative });
        }
        values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...labels }, value: count });
        values.push({ metricName: `${this.name}_sum`, labels, value: this.slots[base + n + 1]! });
        values.push({ metricName: `${this.name}_count`, labels, value: count });
      }
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.slots.fill(0);
  }
}
