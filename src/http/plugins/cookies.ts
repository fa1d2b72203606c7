/**
 * Cookie names and attributes for the web pages, in one place. Under HTTPS (PUBLIC_URL is https)
 * every cookie is Secure and `__Host-` prefixed, which also pins it to this exact host and path /.
 */
import crypto from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { Config } from '../../config.js';

export interface CookiePolicy {
  secure: boolean;
  names: { session: string; csrf: string; flash: string };
  /** HttpOnly, SameSite=Lax, Path=/, Secure under HTTPS; no Max-Age (ends with the browser). */
  base: CookieSerializeOptions;
}

export function cookiePolicy(config: Pick<Config, 'publicUrl'>): CookiePolicy {
  const secure = config.publicUrl.startsWith('https://');
  const prefix = secure ? '__Host-' : '';
  return {
    secure,
    names: { session: `${prefix}session`, csrf: `${prefix}csrf`, flash: `${prefix}flash` },
    base: { httpOnly: true, sameSite: 'lax', path: '/', secure },
  };
}

/** A key for one purpose derived from the app secret, so cookie signing and CSRF never share a key. */
export function deriveKey(secret: string, purpose: string): string {
  return Buffer.from(crypto.hkdfSync('sha256', secret, 'minibank', purpose, 32)).toString('base64url');
}
