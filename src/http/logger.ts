/**
 * The application logger: pino JSON lines on stdout (or human-readable with LOG_PRETTY=1, never
 * guessed from NODE_ENV), with every secret censored by key before it is written (log-redaction.ts).
 * Request logging itself is one line per request from the request-observers plugin, so Fastify's
 * own request/response serializers (which would print headers) are not used.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config.js';
import { redactSecrets } from './log-redaction.js';

export { REDACTED } from './log-redaction.js';

/**
 * Every way a value reaches a line goes through redactSecrets: the arguments of each call (merged
 * object and `%o` arguments), an `err` after pino has serialized it (its enumerable fields and
 * causes), and the bindings of every child logger (Fastify's per-request `reqId` among them).
 */
const redactingOptions: Pick<pino.LoggerOptions, 'hooks' | 'serializers'> = {
  hooks: {
    logMethod(args, method) {
      for (let i = 0; i < args.length; i++) {
        const arg: unknown = args[i];
        // A leading Error is logged as `err`; `err` keeps its Error for pino's serializer, which redacts below.
        if (i === 0 && arg instanceof Error) continue;
        if (typeof arg === 'object' && arg !== null) args[i] = redactSecrets(arg, i === 0 ? 'err' : undefined);
      }
      return method.apply(this, args);
    },
  },
  serializers: { err: (error: unknown) => redactSecrets(pino.stdSerializers.err(error as Error)) },
};

function redactChildBindings(logger: Logger): Logger {
  const child = logger.child;
  // Children inherit this property (pino builds them with Object.create), so one override covers all.
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, redactSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}

export interface LoggerOptions {
  /** Where the lines go; stdout when left out. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>, options: LoggerOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: config.logLevel,
    ...redactingOptions,
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid },
  };
  if (config.logPretty) {
    // In-process and synchronous, so nothing is lost at exit; pretty output is for a human at a terminal.
    return redactChildBindings(pino(base, pretty({ sync: true, colorize: false, destination: options.destination as NodeJS.WritableStream | undefined })));
  }
  // Asynchronous stdout: a line is queued and written in the background (lines queued meanwhile go in
  // the same write), instead of one blocking write() per request on the event loop. pino flushes
  // the queue synchronously when the process exits, so a clean shutdown loses nothing.
  return redactChildBindings(pino(base, options.destination ?? pino.destination({ dest: 1, sync: false })));
}

/**
 * A security event (from the audit trail) as one log line. The shape matches the audit trail's
 * observer (`src/app/security-events.ts`), so `(event) => securityEvent(app.log, event)` can be
 * registered as one of its observers.
 */
export interface SecurityEvent {
  /** A short snake_case name, e.g. `login_failed`, `session_revoked`, `rate_limited`, `csrf_failed`. */
  type: string;
  userId?: string | null;
  client?: { ip: string | null; userAgent: string | null };
  /** Facts worth keeping; secrets in it are redacted by key like every other log field. */
  details?: Record<string, unknown>;
  atMs?: number;
}

const WARN_TYPES = new Set(['login_failed', 'login_throttled', 'csrf_failed', 'rate_limited', 'token_rejected']);

/**
 * Writes a security event as `{"event":"security","security":{...}}` so operators can filter on one
 * field. Failures and refusals log at warn, everything else (sign-in, sign-out) at info.
 */
export function securityEvent(log: Pick<Logger, 'info' | 'warn'>, event: SecurityEvent): void {
  const level = WARN_TYPES.has(event.type) || event.type.endsWith('_failed') ? 'warn' : 'info';
  const { atMs, ...rest } = event;
  log[level]({ event: 'security', security: { ...rest, ...(atMs === undefined ? {} : { at: new Date(atMs).toISOString() }) } }, `security: ${event.type}`);
}
