/**
 * The application logger: pino JSON lines on stdout (or human-readable with LOG_PRETTY=1, never
 * guessed from NODE_ENV), with every secret redacted by path before it is written. Request logging
 * itself is one line per request from the access-log plugin's sibling hook in app.ts, so Fastify's
 * own request/response serializers (which would print headers) are not used.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config.js';

export const REDACTED = '[redacted]';

/**
 * Secrets by name, wherever they appear one or two levels deep. pino's redaction is by path, so this
 * covers objects we log (headers, bodies, errors carrying them); it cannot see inside free text,
 * which is why nothing logs raw request bodies or header blocks in the first place.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  '["set-cookie"]',
  '["Set-Cookie"]',
  'password',
  'new_password',
  'newPassword',
  'current_password',
  'currentPassword',
  'password_hash',
  'passwordHash',
  'token',
  'access_token',
  'accessToken',
  'refresh_token',
  'secret',
  '_csrf',
  'csrf',
  'csrfToken',
  'csrf_token',
  '["x-csrf-token"]',
  '["csrf-token"]',
];

const under = (prefix: string, key: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, under('*', k), under('*.*', k)]);

export interface LoggerOptions {
  /** Where the lines go; stdout when left out. Tests pass a capturing stream. */
  destination?: DestinationStream;
}

export function createLogger(config: Pick<Config, 'logLevel' | 'logPretty'>, options: LoggerOptions = {}): Logger {
  const base: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { pid: process.pid },
  };
  if (config.logPretty) {
    // In-process and synchronous, so nothing is lost at exit; pretty output is for a human at a terminal.
    return pino(base, pretty({ sync: true, colorize: false, destination: options.destination as NodeJS.WritableStream | undefined }));
  }
  // Asynchronous stdout: a line is queued and written in the background (lines queued meanwhile go in
  // the same write), instead of one blocking write() per request on the event loop. pino flushes
  // the queue synchronously when the process exits, so a clean shutdown loses nothing.
  return pino(base, options.destination ?? pino.destination({ dest: 1, sync: false }));
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
