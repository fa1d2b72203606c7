/**
 * The Prometheus metrics of one app instance, in its own registry (tests build many apps in one
 * process). Process-wide metrics (CPU, memory, event-loop lag, GC) live in one shared registry,
 * created once, because there is one process however many apps it holds. The use cases report
 * through `observer` (src/app/observer.ts), so src/app never imports prom-client.
 */
import client from 'prom-client';
import type { AppObserver } from '../app/observer.js';
import type { Clock } from '../app/context.js';
import type { Storage } from '../storage/storage.js';
import { sessionCutoff } from '../app/session-liveness.js';
import { countLiveSessions } from '../storage/repositories/session-repository.js';
import { StatementHistogram } from './statement-histogram.js';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** A tick of sealing or notices: from an idle tick's one read (under 1 ms) to a round that stops the sealer's delay being met (1 s). */
const LEDGER_FOLLOW_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Upper bounds of the movement size ranges, in minor units: powers of ten from 1.00 to 10,000,000.00 (cents). */
const MOVEMENT_SIZE_BOUNDS = [100n, 1_000n, 10_000n, 100_000n, 1_000_000n, 10_000_000n, 100_000_000n, 1_000_000_000n];

/** The `up_to` label of an amount: the smallest bound it does not exceed, or `+Inf`. */
export function sizeRange(amountMinor: bigint | number): string {
  const amount = BigInt(amountMinor);
  return MOVEMENT_SIZE_BOUNDS.find((bound) => amount <= bound)?.toString() ?? '+Inf';
}

let processRegistry: client.Registry | undefined;

/** Default Node.js/process metrics, including event-loop lag (`nodejs_eventloop_lag_*`), once per process. */
function sharedProcessRegistry(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

type HttpLabels = Readonly<Record<'method' | 'route' | 'status', string>>;

export interface MetricsOptions {
  storage: Storage;
  clock: Clock;
  /** SESSION_IDLE_MINUTES, to count only live sessions (session-liveness.ts). */
  sessionIdleMinutes: number;
}

export class Metrics {
  readonly registry = new client.Registry();

  readonly httpRequests = new client.Counter({
    name: 'minibank_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new client.Histogram({
    name: 'minibank_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by method, route template and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  /**
   * Committed movements counted by size range, never summed: an exact total would give away each
   * movement's amount to anyone who scrapes twice around it (issue 11 class 14).
   */
  readonly movementsBySize = new client.Counter({
    name: 'minibank_movements_by_size_total',
    help: 'Committed deposits, withdrawals and transfers by type, currency and size range: `up_to` is the largest amount of the range in minor units (+Inf for the rest). No amounts are summed.',
    labelNames: ['type', 'currency', 'up_to'] as const,
    registers: [this.registry],
  });

  readonly transactions = new client.Counter({
    name: 'minibank_transactions_total',
    help: 'Money movement requests by type, outcome (ok, replayed or the refusal code) and currency (none when refused before an account was read).',
    labelNames: ['type', 'outcome', 'currency'] as const,
    registers: [this.registry],
  });

  readonly logins = new client.Counter({
    name: 'minibank_logins_total',
    help: 'Password checks at sign-in (API tokens and web sessions), by outcome: success or failure.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Counted automatically for every 429 response; do not increment it again for those. */
  readonly rateLimited = new client.Counter({
    name: 'minibank_rate_limited_total',
    help: 'Requests refused with 429 by a rate limit.',
    registers: [this.registry],
  });

  /** Counted automatically for thrown FST_CSRF_* and csrf_failed errors; call inc() for a refusal that does not throw. */
  readonly csrfRejected = new client.Counter({
    name: 'minibank_csrf_rejected_total',
    help: 'Form posts refused for a missing or invalid CSRF token.',
    registers: [this.registry],
  });

  readonly securityEvents = new client.Counter({
    name: 'minibank_security_events_total',
    help: 'Security events recorded in the audit trail, by type.',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });

  /** Kept in plain arrays, not a prom-client Histogram: a transfer runs a dozen statements (issue 17 item 4). */
  readonly dbQueryDuration = new StatementHistogram({
    name: 'minibank_db_query_duration_seconds',
    help: 'Database statement time as the driver sees it, by statement kind and outcome.',
    buckets: DB_BUCKETS,
  }).registerIn(this.registry);

  /**
   * The after-commit work (issue 16's sealing, issue 18's notices), one observation per tick and part
   * (app/follow-rounds.ts): what it costs beside the transfers (the bench divides the sum by the
   * transfers it made).
   */
  readonly ledgerFollowSeconds = new client.Histogram({
    name: 'minibank_ledger_follow_seconds',
    help: 'Time one tick of the after-commit work on the ledger spent on its own work (its idle check and its rounds inside their transactions; not the wait for its turn or the commit), by part: seal (the hash chain) or notices (money received and sent).',
    labelNames: ['work'] as const,
    buckets: LEDGER_FOLLOW_BUCKETS,
    registers: [this.registry],
  });

  readonly ledgerFollowed = new client.Counter({
    name: 'minibank_ledger_followed_total',
    help: 'Ledger transactions sealed into the hash chain (work="seal") and movement notices written (work="notices") by this instance.',
    labelNames: ['work'] as const,
    registers: [this.registry],
  });

  readonly ready: client.Gauge;
  readonly observer: AppObserver;
  private readonly unsubscribe: () => void;
  /** route -> method -> status -> the label set, built once instead of per request. */
  private readonly httpLabels = new Map<string, Map<string, Map<number, HttpLabels>>>();

  constructor(options: MetricsOptions) {
    const { storage, clock, sessionIdleMinutes } = options;
    sharedProcessRegistry();
    this.unsubscribe = storage.observeQueries((q) => this.dbQueryDuration.observe(q.kind, q.failed, q.durationMs / 1000));

    new client.Gauge({
      name: 'minibank_db_pool_connections',
      help: 'PostgreSQL pool connections by state: max (configured), total (open), idle, waiting (callers queued for one). Absent on SQLite.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = storage.poolStats();
        if (!stats) return;
        for (const [state, value] of Object.entries(stats) as [string, number][]) this.set({ state }, value);
      },
    });

    new client.Gauge({
      name: 'minibank_active_sessions',
      help: 'Live web sessions (neither expired nor idle nor of an older password), counted at scrape time.',
      registers: [this.registry],
      async collect() {
        const nowMs = BigInt(clock.nowMs());
        try {
          this.set(await countLiveSessions(storage.db, sessionCutoff({ sessionIdleMinutes }, nowMs)));
        } catch {
          // No sessions table (yet) or the database is down: leave the gauge as it was rather than fail the scrape.
        }
      },
    });

    this.ready = new client.Gauge({
      name: 'minibank_ready',
      help: '1 while this instance accepts traffic, 0 once it is shutting down.',
      registers: [this.registry],
    });
    this.ready.set(1);

    this.observer = {
      movement: (m) => {
        this.transactions.inc({ type: m.type, outcome: m.outcome, currency: m.currency ?? 'none' });
        if (m.outcome === 'ok') this.movementsBySize.inc({ type: m.type, currency: m.currency ?? 'none', up_to: sizeRange(m.amountMinor) });
      },
      signIn: (outcome) => this.logins.inc({ outcome }),
      ledgerFollowed: (work, seconds, count) => {
        this.ledgerFollowSeconds.observe({ work }, seconds);
        if (count > 0) this.ledgerFollowed.inc({ work }, count);
      },
    };
  }

  /**
   * Counts one answered request and its duration. `route` is the route template (or `unmatched`);
   * the method comes from Node's parser and the status from the app, so the label sets stay few.
   */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.httpLabels.get(route);
    if (!byMethod) this.httpLabels.set(route, (byMethod = new Map<string, Map<number, HttpLabels>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, HttpLabels>()));
    let labels = byStatus.get(status);
    if (!labels) byStatus.set(status, (labels = Object.freeze({ method, route, status: String(status) })));
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
    if (status === 429) this.rateLimited.inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition: this app's metrics, then the process's. */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    const processWide = await sharedProcessRegistry().metrics();
    return `${own}\n${processWide}`;
  }

  dispose(): void {
    this.unsubscribe();
  }
}
