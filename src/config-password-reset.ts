/**
 * The settings of password reset (issue 18 item 4), a block of rows spread into src/config.ts's one
 * settings table (kept apart so config.ts stays under the house's 300 lines). Same row shape as
 * config.ts: environment variable, default, meaning, parser.
 */
import { integer, type Parser } from './config-parsers.js';

const row = <T>(env: string, def: string, doc: string, parse: Parser<T>) => ({ env, default: def, doc, parse });

export const passwordResetSettings = {
  passwordResetPerAccountPerHour: row(
    'PASSWORD_RESET_PER_ACCOUNT_PER_HOUR',
    '3',
    'Reset links emailed to one account per hour; further requests still get the same 202 answer but send nothing (no mailbox flood). The per-IP limit is RATE_LIMIT_AUTH_PER_MINUTE.',
    integer(1, 100),
  ),
  passwordResetCodeTries: row(
    'PASSWORD_RESET_CODE_TRIES',
    '5',
    'Wrong second-factor codes given with one reset link before that link ends (a new one must be asked for).',
    integer(1, 20),
  ),
} as const;
