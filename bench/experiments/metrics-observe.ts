/**
 * What the database statement histogram costs per transfer (issue 17 item 4): the statements a
 * transfer sends (Kysely's log events, as test/integration/transfer-round-trips.test.ts pins them)
 * go through the storage's query observers into (a) the former prom-client Histogram with one bound
 * child per kind and outcome, and (b) StatementHistogram (plain arrays, folded into series only at
 * scrape). Both run in the same process, alternately, and print CPU ns per transfer.
 *
 *   npx tsx bench/experiments/metrics-observe.ts --transfers 200000 --rounds 5
 */
import type { LogEvent } from 'kysely';
import client from 'prom-client';
import { StatementHistogram } from '../../src/http/statement-histogram.js';
import { createQueryObservers, type QueryListener } from '../../src/storage/query-observers.js';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRANSFERS = flag('transfers', 200_000);
const ROUNDS = flag('rounds', 5);
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

// A transfer's statements on SQLite under group commit: savepoint, idempotency read, payer/payee
// reads, the conditional balance update, journal and entry inserts, the idempotency row, release.
const TEXTS = [
  'savepoint "u1"',
  'select "response" from "idempotency_keys" where "key" = ?',
  'select "id", "status" from "accounts" where "id" = ?',
  'select "id" from "accounts" where "number" = ?',
  'select "token_id" from "api_tokens" where "id" = ?',
  'update "accounts" set "balance" = "balance" + ? where "id" = ?',
  'insert into "transactions" ("id") values (?)',
  'insert into "entries" ("id") values (?), (?)',
  'insert into "idempotency_keys" ("key") values (?)',
  'release "u1"',
];
const events: LogEvent[] = TEXTS.map((sql, i) => ({
  level: 'query',
  query: { sql, parameters: [], query: { kind: 'RawNode' } as never, queryId: { queryId: String(i) } },
  queryDurationMillis: 0.01 + i * 0.013,
}));

function promClientListener(): QueryListener {
  const histogram = new client.Histogram({ name: 'h', help: 'h', labelNames: ['kind', 'outcome'] as const, buckets: BUCKETS, registers: [] });
  const children = new Map<string, client.Histogram.Internal<'kind' | 'outcome'>>();
  return (q) => {
    const outcome = q.failed ? 'error' : 'ok';
    const key = `${q.kind} ${outcome}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = histogram.labels({ kind: q.kind, outcome })));
    child.observe(q.durationMs / 1000);
  };
}

function arraysListener(): QueryListener {
  const histogram = new StatementHistogram({ name: 'h', help: 'h', buckets: BUCKETS });
  return (q) => histogram.observe(q.kind, q.failed, q.durationMs / 1000);
}

/** CPU ns per transfer of `listener` (or of the observers alone when null). */
function run(listener: QueryListener | null): number {
  const observers = createQueryObservers();
  if (listener) observers.subscribe(listener);
  const start = process.cpuUsage();
  for (let t = 0; t < TRANSFERS; t++) for (const event of events) observers.log(event);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / TRANSFERS;
}

const results: Record<string, number[]> = { 'observers, no listener': [], 'prom-client Histogram (before)': [], 'StatementHistogram (now)': [] };
for (let round = 0; round < ROUNDS + 1; round++) {
  const r = [run(null), run(promClientListener()), run(arraysListener())];
  if (round === 0) continue; // warm-up: the JIT
  Object.values(results).forEach((list, i) => list.push(r[i]!));
}
console.log(`${TEXTS.length} statements per transfer, ${TRANSFERS} transfers per round, ${ROUNDS} rounds; CPU ns per transfer (median, min-max)`);
for (const [name, list] of Object.entries(results)) {
  const sorted = [...list].sort((a, b) => a - b);
  console.log(`${name.padEnd(32)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0).padStart(6)}  (${sorted[0]!.toFixed(0)}-${sorted.at(-1)!.toFixed(0)})`);
}
