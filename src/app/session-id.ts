import crypto from 'node:crypto';
import type { AppContext } from './context.js';

/** 256 bits from the injected randomness, as URL-safe text for the cookie. */
export function newSessionId(ctx: Pick<AppContext, 'random'>): string {
  return ctx.random.bytes(32).toString('base64url');
}

/** What the database stores and looks up: the SHA-256 of the cookie value, hex. */
export function hashSessionId(rawId: string): string {
  return crypto.createHash('sha256').update(rawId, 'utf8').digest('hex');
}

/** A cookie value could only have come from us if it has the exact shape we issue. */
export function looksLikeSessionId(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
