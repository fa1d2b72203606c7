/**
 * Issue 17 item 4: the database statement histogram left prom-client for plain arrays, and what
 * /metrics exports must not change. The same observations go into a prom-client Histogram of the
 * same name, help, labels and buckets and into StatementHistogram; the two texts must hold the same
 * lines (prom-client orders series by first observation, ours by kind, so lines are compared as sets
 * per series).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import client from 'prom-client';
import { StatementHistogram } from '../../src/http/statement-histogram.js';
import type { QueryKind } from '../../src/storage/query-observers.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const NAME = 'minibank_db_query_duration_seconds';
const HELP = 'Database statement time as the driver sees it, by statement kind and outcome.';

function both() {
  const theirs = new client.Registry();
  const reference = new client.Histogram({ name: NAME, help: HELP, labelNames: ['kind', 'outcome'] as const, buckets: BUCKETS, registers: [theirs] });
  const ours = new client.Registry();
  const histogram = new StatementHistogram({ name: NAME, help: HELP, buckets: BUCKETS }).registerIn(ours);
  const observe = (kind: QueryKind, failed: boolean, seconds: number) => {
    reference.observe({ kind, outcome: failed ? 'error' : 'ok' }, seconds);
    histogram.observe(kind, failed, seconds);
  };
  const lines = async (registry: client.Registry) => (await registry.metrics()).split('\n').filter(Boolean).sort();
  return { observe, histogram, texts: async () => [await lines(theirs), await lines(ours)] as const };
}

describe('StatementHistogram (issue 17 item 4)', () => {
  it('exports what a prom-client Histogram exports for the same observations, bucket edges and overflow included', async () => {
    const { observe, texts } = both();
    const kinds: QueryKind[] = ['select', 'insert', 'update', 'delete', 'transaction', 'other'];
    // Every edge exactly (le is inclusive), just above it, zero, and beyond the last bucket.
    const durations = [0, ...BUCKETS, ...BUCKETS.map((b) => b * 1.0001), 3, 120, 0.0001234];
    let i = 0;
    for (const seconds of durations) {
      for (const kind of kinds) observe(kind, i++ % 7 === 0, seconds);
    }
    const [theirs, ours] = await texts();
    assert.ok(ours.length > 100);
    assert.deepEqual(ours, theirs);
  });

  it('exports only the label sets observed, and nothing before the first statement', async () => {
    const { observe, histogram, texts } = both();
    assert.deepEqual((await histogram.get()).values, []);
    observe('update', false, 0.002);
    observe('update', false, 0.004);
    const [theirs, ours] = await texts();
    assert.deepEqual(ours, theirs);
    const values = (await histogram.get()).values;
    const count = values.filter((v) => v.metricName.endsWith('_count'));
    assert.deepEqual(count, [{ metricName: `${NAME}_count`, labels: { kind: 'update', outcome: 'ok' }, value: 2 }]);
  });

  it('ignores a duration that is not a finite number instead of poisoning the sum', async () => {
    const histogram = new StatementHistogram({ name: NAME, help: HELP, buckets: BUCKETS });
    histogram.observe('select', false, Number.NaN);
    histogram.observe('select', false, Number.POSITIVE_INFINITY);
    histogram.observe('select', false, 0.001);
    const sum = (await histogram.get()).values.find((v) => v.metricName.endsWith('_sum'));
    assert.equal(sum?.value, 0.001);
  });

  it('starts again from zero on reset', async () => {
    const histogram = new StatementHistogram({ name: NAME, help: HELP, buckets: BUCKETS });
    histogram.observe('insert', true, 0.01);
    histogram.reset();
    assert.deepEqual((await histogram.get()).values, []);
  });
});
