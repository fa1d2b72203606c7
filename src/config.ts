/**
 * Every setting minibank reads, in one table: its environment variable, default, meaning and parser.
 * `loadConfig` validates them all at start and names the variable at fault; the result is frozen.
 * The README's settings table is generated from the same table (`npm run docs:settings`), so the
 * two cannot drift apart.
 */
import {
  ConfigError,
  type Parser,
  integer,
  oneOf,
  text,
  flag,
  currency,
  currencyList,
  databaseUrl,
  secret,
  publicUrl,
  metricsToken,
  addressList,
  secretList,
  redisUrl,
  trustProxy,
} from './config-parsers.js';
import { notificationSettings } from './config-notifications.js';
import { passwordResetSettings } from './config-password-reset.js';

export { ConfigError };

interface Setting<T> {
  env: string;
  default: string;
  doc: string;
  parse: Parser<T>;
}

const setting = <T>(env: string, def: string, doc: string, parse: Parser<T>): Setting<T> => ({ env, default: def, doc, parse });

export const settings = {
  port: setting('PORT', '3000', 'TCP port the HTTP server listens on.', integer(0, 65535)),
  host: setting('HOST', 'localhost', 'Address the HTTP server binds to (`0.0.0.0` for all interfaces).', text),
  dataDir: setting('DATA_DIR', './data', 'Folder for the SQLite database, the access log and the generated secret.', text),
  databaseUrl: setting('DATABASE_URL', '', 'Empty for embedded SQLite in DATA_DIR; a `postgres://` URL to use PostgreSQL.', databaseUrl),
  dbPoolSize: setting('DB_POOL_SIZE', '10', 'PostgreSQL connection pool size.', integer(1, 200)),
  sqliteBusyTimeoutMs: setting(
    'SQLITE_BUSY_TIMEOUT_MS',
    '5000',
    "How long a request waits for SQLite's write lock while another process holds it (the wait never stops the server); then it gets 503 `unavailable` and nothing is written.",
    integer(0, 60_000),
  ),
  groupCommitMaxBatch: setting(
    'GROUP_COMMIT_MAX_BATCH',
    '64',
    'SQLite: most write transactions (transfers, sign-ups...) that arrive together and share one durable commit, each in its own savepoint. 1 commits each alone.',
    integer(1, 1000),
  ),
  sqliteWriteWorker: setting(
    'SQLITE_WRITE_WORKER',
    'off',
    'SQLite: on, money movements (transfers, deposits, withdrawals) commit in a worker thread with its own write connection, so the event loop keeps answering while the disk syncs (durability unchanged). Off by measurement on 2 CPUs: more CPU per transfer and no more transfers per second (docs/performance.md).',
    flag,
  ),
  pgTransferBatchMax: setting(
    'PG_TRANSFER_BATCH_MAX',
    '64',
    'PostgreSQL: most idempotent transfers to an account number that arrive together and go to the database as one call, committed together (docs/performance.md). 0 sends each through its own transaction. Not used while WEBHOOK_URLS or SMTP_URL is set.',
    integer(0, 1000),
  ),
  sqliteWalAutocheckpoint: setting(
    'SQLITE_WAL_AUTOCHECKPOINT',
    '1000',
    "SQLite: pages the write-ahead log may grow to before a commit folds it back into the database file (SQLite's wal_autocheckpoint; chosen by measurement, docs/performance.md). 0 turns automatic checkpoints off.",
    integer(0, 1_000_000),
  ),
  secret: setting('SECRET', '', 'Signing secret for tokens, at least 32 bytes. Empty: generated once into DATA_DIR/secret (mode 0600).', secret),
  secretPrevious: setting(
    'SECRET_PREVIOUS',
    '',
    'Earlier signing secrets, comma-separated (each at least 32 bytes): tokens they signed stay valid until they expire, so SECRET can be rotated without logging everyone out.',
    secretList,
  ),
  statementKeyFile: setting(
    'STATEMENT_KEY_FILE',
    '',
    'The Ed25519 key file that signs monthly statements (mode 0600; current key and the public halves of earlier ones). Empty: DATA_DIR/statement-key.json, generated on first use. Several instances (PostgreSQL) must all point at the same file.',
    text,
  ),
  trustProxy: setting(
    'TRUST_PROXY',
    'off',
    'Believe X-Forwarded-For/-Proto only from these proxies: `off`, or their comma-separated IPs/CIDR ranges (`loopback`, `linklocal`, `uniquelocal` too). `on`, a bare hop count and `/0` are refused: they would let a client choose its own address.',
    trustProxy,
  ),
  rateLimits: setting('RATE_LIMITS', 'on', 'Rate limits and login throttling. `off` only for load tests and benchmarks on a trusted machine.', flag),
  redisUrl: setting(
    'REDIS_URL',
    '',
    'Empty: rate-limit and login-throttle counters in memory (one process). A `redis://` URL: shared by every instance.',
    redisUrl,
  ),
  rateLimitGlobalPerMinute: setting('RATE_LIMIT_GLOBAL_PER_MINUTE', '600', 'Requests per minute from one client IP, any route.', integer(1, 1_000_000)),
  rateLimitAuthPerMinute: setting(
    'RATE_LIMIT_AUTH_PER_MINUTE',
    '10',
    'Attempts per minute from one client IP at sign-up, login, token and password-change endpoints.',
    integer(1, 100_000),
  ),
  rateLimitMoneyPerMinute: setting('RATE_LIMIT_MONEY_PER_MINUTE', '60', 'Deposits, withdrawals and transfers per minute by one user.', integer(1, 100_000)),
  loginFreeFailures: setting('LOGIN_FREE_FAILURES', '5', 'Failed logins for one username before each further try must wait (1 s, doubling).', integer(1, 100)),
  securityEventsRetentionDays: setting(
    'SECURITY_EVENTS_RETENTION_DAYS',
    '365',
    'How long the audit trail (security events) is kept before the hourly purge drops it.',
    integer(1, 36_500),
  ),
  auditAnonymousWindowMinutes: setting(
    'AUDIT_ANONYMOUS_WINDOW_MINUTES',
    '10',
    'Audit events without a user (refused anonymous form posts, rate limits, unknown usernames) are kept as one row per type, IP and window of this many minutes, with a count.',
    integer(1, 1440),
  ),
  auditAnonymousRowsPerWindow: setting(
    'AUDIT_ANONYMOUS_ROWS_PER_WINDOW',
    '1000',
    'Most aggregated anonymous audit rows one instance writes per window; events from further addresses are counted in one row per type without an IP.',
    integer(1, 1_000_000),
  ),
  loginMaxLockSeconds: setting(
    'LOGIN_MAX_LOCK_SECONDS',
    '900',
    'Longest wait imposed on a username after repeated failed logins; never a permanent lock.',
    integer(1, 86_400),
  ),
  tokenTtlSeconds: setting('TOKEN_TTL_SECONDS', '900', 'Lifetime of an API access token.', integer(60, 86_400)),
  tokenIssuer: setting('TOKEN_ISSUER', 'minibank', 'The `iss` claim of issued tokens, checked on every request.', text),
  tokenAudience: setting('TOKEN_AUDIENCE', 'minibank-api', 'The `aud` claim of issued tokens, checked on every request.', text),
  currency: setting('CURRENCY', 'USD', 'ISO 4217 currency of newly opened accounts.', currency),
  currencies: setting(
    'CURRENCIES',
    'USD,EUR,GBP,JPY',
    'ISO 4217 currencies a user may open further accounts in (POST /api/v1/accounts, the dashboard), comma-separated.',
    currencyList,
  ),
  maxAccountsPerUser: setting('MAX_ACCOUNTS_PER_USER', '5', 'Most accounts one user may hold open at once (closed ones do not count).', integer(1, 100)),
  selfServiceDeposits: setting(
    'SELF_SERVICE_DEPOSITS',
    'on',
    '"Add money": signed-in users may deposit money the bank creates from nothing (a test bank, a classroom, a community bank). `off` refuses POST /api/v1/deposits and /deposit with 403 `forbidden` and hides "Add money".',
    flag,
  ),
  maxAmountMinor: setting(
    'MAX_AMOUNT_MINOR',
    '100000000',
    'Largest amount of one deposit, withdrawal or transfer, in minor units (cents).',
    integer(1, 9_000_000_000_000),
  ),
  maxPendingRequests: setting(
    'MAX_PENDING_REQUESTS',
    '20',
    'Most payment requests one user may have waiting for an answer (not yet paid, declined, cancelled or expired); one more is 422 `limit_reached`, so nobody can flood an inbox.',
    integer(1, 10_000),
  ),
  bodyLimitBytes: setting('BODY_LIMIT_BYTES', '16384', 'Largest request body accepted; larger is 413.', integer(1024, 1_048_576)),
  idempotencyKeyTtlHours: setting('IDEMPOTENCY_KEY_TTL_HOURS', '48', 'How long idempotency keys are remembered (at least 24).', integer(24, 24 * 365)),
  argon2MemoryKib: setting('ARGON2_MEMORY_KIB', '19456', 'argon2id memory cost in KiB (OWASP minimum 19456).', integer(19_456, 1_048_576)),
  argon2Iterations: setting('ARGON2_ITERATIONS', '2', 'argon2id time cost (OWASP minimum 2 at 19 MiB).', integer(2, 20)),
  argon2Parallelism: setting('ARGON2_PARALLELISM', '1', 'argon2id parallelism.', integer(1, 16)),
  argon2MaxConcurrent: setting(
    'ARGON2_MAX_CONCURRENT',
    '0',
    'Most argon2id hashes computed at once (sign-ups, logins); more wait in line. 0: one per CPU, which keeps hashing at full speed without starving the event loop or multiplying memory.',
    integer(0, 256),
  ),
  logLevel: setting('LOG_LEVEL', 'info', 'Application log level.', oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')),
  logPretty: setting('LOG_PRETTY', 'off', 'Human-readable logs instead of JSON lines (only when set; never guessed from NODE_ENV).', flag),
  accessLog: setting(
    'ACCESS_LOG',
    '',
    'Common Log Format access log: a file path (empty: DATA_DIR/access.log), `-` for stdout, `off` to disable. Reopened on SIGHUP.',
    text,
  ),
  metricsToken: setting(
    'METRICS_TOKEN',
    '',
    'When set (at least 16 characters), GET /metrics also needs `Authorization: Bearer <token>` (from an address in METRICS_ALLOW).',
    metricsToken,
  ),
  metricsAllow: setting(
    'METRICS_ALLOW',
    '127.0.0.0/8,::1',
    'Client addresses (IPs or CIDR ranges, comma-separated) that may read GET /metrics; everyone else gets 403. Checked together with METRICS_TOKEN when that is set. Default: this machine only.',
    addressList,
  ),
  readyCacheMs: setting(
    'READY_CACHE_MS',
    '1000',
    'GET /readyz reuses its last database check for this long, so probes cost at most one query per interval however many arrive.',
    integer(0, 60_000),
  ),
  readyTimeoutMs: setting('READY_TIMEOUT_MS', '1000', 'GET /readyz answers 503 when the database takes longer than this to answer.', integer(10, 60_000)),
  chainSealMaxDelayMs: setting(
    'CHAIN_SEAL_MAX_DELAY_MS',
    '1000',
    "A committed ledger transaction is sealed into the hash chain within this time (docs/ledger.md), and its money notices are written right after; 0 turns the server's sealer off, and with it the money notices (benchmarks).",
    integer(0, 600_000),
  ),
  shutdownTimeoutMs: setting(
    'SHUTDOWN_TIMEOUT_MS',
    '10000',
    'On SIGTERM, how long requests in flight may take to finish before connections are cut.',
    integer(0, 600_000),
  ),
  headersTimeoutMs: setting(
    'HEADERS_TIMEOUT_MS',
    '10000',
    "A client must send a request's headers within this time, or gets 408 and is disconnected (at most REQUEST_TIMEOUT_MS).",
    integer(100, 600_000),
  ),
  requestTimeoutMs: setting(
    'REQUEST_TIMEOUT_MS',
    '30000',
    'A client must send a whole request, headers and body, within this time, or gets 408 and is disconnected.',
    integer(100, 600_000),
  ),
  keepAliveTimeoutMs: setting(
    'KEEP_ALIVE_TIMEOUT_MS',
    '5000',
    "An idle keep-alive connection is closed after this long. Behind a load balancer that reuses connections, set it above the balancer's idle timeout.",
    integer(100, 600_000),
  ),
  publicUrl: setting(
    'PUBLIC_URL',
    '',
    "Origin people reach the web pages at (e.g. `https://bank.example`). When it is https, cookies are `Secure` and `__Host-` prefixed; form posts must come from this origin. Empty: the request's own Host, plain http.",
    publicUrl,
  ),
  sessionIdleMinutes: setting('SESSION_IDLE_MINUTES', '30', 'A web session ends after this many minutes without a request.', integer(1, 24 * 60)),
  sessionAbsoluteHours: setting('SESSION_ABSOLUTE_HOURS', '12', 'A web session ends this many hours after sign-in, however active.', integer(1, 24 * 30)),
  sessionsPerUserMax: setting('SESSIONS_PER_USER_MAX', '20', 'Most open web sessions one user may have; signing in again ends the oldest.', integer(1, 1000)),
  staffSessionIdleMinutes: setting(
    'STAFF_SESSION_IDLE_MINUTES',
    '10',
    "On the operators' console (/admin), a staff member's session counts as ended after this many minutes without a request (they sign in again); shorter than SESSION_IDLE_MINUTES.",
    integer(1, 24 * 60),
  ),
  holdSweepIntervalMs: setting(
    'HOLD_SWEEP_INTERVAL_MS',
    '5000',
    'How often each server process settles holds past their expiry (gives the reserve back to the available balance; reads already show them expired). 0 turns the sweeper off.',
    integer(0, 3_600_000),
  ),
  stepUpMinor: setting(
    'STEP_UP_MINOR',
    '100000',
    'With a second factor on, a transfer, hold or request payment of at least this many minor units needs a fresh code (API header `MFA-Code`).',
    integer(1, 9_000_000_000_000),
  ),
  reversalApprovalMinor: setting(
    'REVERSAL_APPROVAL_MINOR',
    '100000',
    "A staff reversal of at least this many minor units waits for a second admin's approval (maker-checker; the request expires after 24 hours).",
    integer(1, 9_000_000_000_000),
  ),
  secondFactorPendingMinutes: setting(
    'SECOND_FACTOR_PENDING_MINUTES',
    '5',
    'After a correct password on /login with a second factor on, how long the browser has to give its code before signing in starts again.',
    integer(1, 60),
  ),
  secondFactorPendingTries: setting(
    'SECOND_FACTOR_PENDING_TRIES',
    '5',
    'Wrong codes on the second sign-in page before that half-finished sign-in ends (each also counts toward the login throttle).',
    integer(1, 20),
  ),
  // Issue 18 A: SMTP, webhooks and the outbox (rows in config-notifications.ts).
  ...notificationSettings,
  // Issue 18 B: password reset (rows in config-password-reset.ts).
  ...passwordResetSettings,
} as const;

type Settings = typeof settings;
export type Config = { readonly [K in keyof Settings]: Settings[K] extends Setting<infer T> ? T : never };

/** Reads, validates and freezes the configuration; `overrides` (tests) win over the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(settings) as [string, Setting<unknown>][]) {
    if (key in overrides) {
      out[key] = (overrides as Record<string, unknown>)[key];
      continue;
    }
    const raw = env[def.env] ?? def.default;
    out[key] = def.parse(raw.trim(), def.env);
  }
  return Object.freeze(out) as Config;
}
