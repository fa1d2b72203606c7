/**
 * The settings of the outbox, email and webhooks (issue 18 part A), a block of rows spread into
 * src/config.ts's one settings table (kept apart so config.ts stays under the house's 300 lines).
 * Same row shape as config.ts: environment variable, default, meaning, parser.
 */
import { ConfigError, integer, type Parser } from './config-parsers.js';

const row = <T>(env: string, def: string, doc: string, parse: Parser<T>) => ({ env, default: def, doc, parse });

/** `smtp://`, `smtps://` or empty (no email). The URL may carry credentials: it is never logged. */
const smtpUrl: Parser<string> = (raw, env) => {
  if (raw !== '' && !/^smtps?:\/\/[^\s]+$/.test(raw)) throw new ConfigError(`${env} must be empty (no email) or an smtp:// or smtps:// URL`);
  return raw;
};

/** A plain address for the From header: no display name, no CR/LF (header injection). */
const mailFrom: Parser<string> = (raw, env) => {
  if (!/^[^\s@<>,;"]{1,64}@[^\s@<>,;"]{1,255}$/.test(raw)) throw new ConfigError(`${env} must be one plain email address, got "${raw}"`);
  return raw;
};

/** Comma-separated http(s) URLs; operator configuration only (never user input). */
const webhookUrls: Parser<readonly string[]> = (raw, env) => {
  const urls = raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const u of urls) {
    let url: URL | null = null;
    try {
      url = new URL(u);
    } catch {
      url = null;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) throw new ConfigError(`${env}: "${u}" is not an http(s) URL`);
  }
  return Object.freeze(urls);
};

/** Standard Webhooks secret: `whsec_` + base64 of at least 24 bytes (empty only without WEBHOOK_URLS). */
const webhookSecret: Parser<string> = (raw, env) => {
  if (raw === '') return raw;
  const body = raw.startsWith('whsec_') ? raw.slice(6) : null;
  if (body === null || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || Buffer.from(body, 'base64').length < 24)
    throw new ConfigError(`${env} must be "whsec_" followed by the base64 of at least 24 random bytes`);
  return raw;
};

export const notificationSettings = {
  smtpUrl: row(
    'SMTP_URL',
    '',
    'Email through this SMTP server (`smtp://user:pass@host:587`, `smtps://…`). Empty: no email is sent; everything else still works.',
    smtpUrl,
  ),
  mailFrom: row('MAIL_FROM', 'minibank@localhost', 'The From address of every email minibank sends.', mailFrom),
  webhookUrls: row(
    'WEBHOOK_URLS',
    '',
    'Operator webhook receivers, comma-separated http(s) URLs: every committed transaction, hold change and payment-request change is POSTed there (Standard Webhooks). Empty: none, and nothing is queued.',
    webhookUrls,
  ),
  webhookSecret: row(
    'WEBHOOK_SECRET',
    '',
    'Signing secret for webhooks: `whsec_` + base64 (Standard Webhooks). Needed when WEBHOOK_URLS is set.',
    webhookSecret,
  ),
  webhookTimeoutMs: row(
    'WEBHOOK_TIMEOUT_MS',
    '5000',
    'A webhook receiver must answer within this time, or the try counts as failed and is retried.',
    integer(100, 120_000),
  ),
  outboxPollIntervalMs: row(
    'OUTBOX_POLL_INTERVAL_MS',
    '500',
    'How often each server looks for outbox messages (emails, webhooks) due for delivery.',
    integer(10, 60_000),
  ),
  outboxRetryBaseMs: row(
    'OUTBOX_RETRY_BASE_MS',
    '1000',
    'Wait after a failed delivery before the next try; doubled after each further failure (exponential backoff).',
    integer(1, 3_600_000),
  ),
  outboxRetryMaxMs: row('OUTBOX_RETRY_MAX_MS', '3600000', 'Longest wait between two tries of one message.', integer(1, 86_400_000)),
  outboxMaxAttempts: row(
    'OUTBOX_MAX_ATTEMPTS',
    '15',
    'Tries of one message before it ends `failed` (shown to operators); with the defaults about 9 hours of retrying.',
    integer(1, 1000),
  ),
  outboxLeaseMs: row(
    'OUTBOX_LEASE_MS',
    '30000',
    'A worker that claimed a message and died (crash, kill) leaves it to another after this long; must exceed WEBHOOK_TIMEOUT_MS.',
    integer(100, 3_600_000),
  ),
  emailConfirmMinutes: row('EMAIL_CONFIRM_MINUTES', '60', 'How long an emailed address-confirmation link works.', integer(1, 7 * 24 * 60)),
} as const;
