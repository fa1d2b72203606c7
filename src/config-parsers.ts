/**
 * The parsers of src/config.ts's settings table: each turns one environment variable's text into a
 * checked value or throws ConfigError naming the variable. Kept apart so config.ts stays the table.
 */
import { isIP } from 'node:net';
import { isKnownCurrency } from './domain/currency.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Parser<T> = (raw: string, env: string) => T;

export const integer =
  (min: number, max: number): Parser<number> =>
  (raw, env) => {
    if (!/^\d+$/.test(raw)) throw new ConfigError(`${env} must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(`${env} must be between ${min} and ${max}, got ${raw}`);
    }
    return value;
  };

export const oneOf =
  <T extends string>(...allowed: T[]): Parser<T> =>
  (raw, env) => {
    if (!(allowed as string[]).includes(raw)) {
      throw new ConfigError(`${env} must be one of ${allowed.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };

export const text: Parser<string> = (raw) => raw;

export const flag: Parser<boolean> = (raw, env) => {
  if (['1', 'true', 'on', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'off', 'no', ''].includes(raw)) return false;
  throw new ConfigError(`${env} must be on or off, got "${raw}"`);
};

export const currency: Parser<string> = (raw, env) => {
  if (!isKnownCurrency(raw)) throw new ConfigError(`${env} must be an ISO 4217 currency code such as USD, got "${raw}"`);
  return raw;
};

/** A comma-separated list of ISO 4217 codes, at least one, no repeats (CURRENCIES). */
export const currencyList: Parser<readonly string[]> = (raw, env) => {
  const codes = raw.split(',').map((x) => x.trim());
  for (const code of codes) {
    if (!isKnownCurrency(code)) throw new ConfigError(`${env} must be comma-separated ISO 4217 currency codes such as USD,EUR, got "${code}"`);
  }
  if (new Set(codes).size !== codes.length) throw new ConfigError(`${env} names a currency twice`);
  return Object.freeze(codes);
};

export const databaseUrl: Parser<string> = (raw, env) => {
  if (raw !== '' && !/^postgres(ql)?:\/\//.test(raw)) {
    throw new ConfigError(`${env} must be empty (embedded SQLite) or a postgres:// URL`);
  }
  return raw;
};

export const secret: Parser<string> = (raw, env) => {
  if (raw !== '' && Buffer.byteLength(raw, 'utf8') < 32) {
    throw new ConfigError(`${env} must be at least 32 bytes long (generate one with: openssl rand -base64 48)`);
  }
  return raw;
};

/** Empty, or the origin people reach the bank at: scheme, host and optional port, no path. */
export const publicUrl: Parser<string> = (raw, env) => {
  if (raw === '') return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${env} must be empty or an origin such as https://bank.example, got "${raw}"`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new ConfigError(`${env} must be an http(s) origin without a path, such as https://bank.example, got "${raw}"`);
  }
  return url.origin;
};

export const metricsToken: Parser<string> = (raw, env) => {
  if (raw !== '' && (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw))) {
    throw new ConfigError(`${env} must be empty or at least 16 printable characters without spaces`);
  }
  return raw;
};

/**
 * METRICS_ALLOW: client addresses allowed to read /metrics, as comma-separated IPs or CIDR ranges
 * (issue 11 class 14: metrics are not readable by strangers by default, so the default is loopback).
 */
export const addressList: Parser<readonly string[]> = (raw, env) => {
  const ranges = raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const r of ranges) {
    const [address, bits, ...rest] = r.split('/');
    const family = address ? isIP(address) : 0;
    if (rest.length > 0 || family === 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)))) {
      throw new ConfigError(`${env} must be a comma-separated list of IPs or CIDR ranges (e.g. 127.0.0.1/8,::1,10.0.0.5), got "${r}"`);
    }
  }
  return Object.freeze(ranges);
};

export const secretList: Parser<readonly string[]> = (raw, env) => {
  const secrets = raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const s of secrets) {
    if (Buffer.byteLength(s, 'utf8') < 32) throw new ConfigError(`${env}: every secret must be at least 32 bytes long`);
  }
  return Object.freeze(secrets);
};

export const redisUrl: Parser<string> = (raw, env) => {
  if (raw !== '' && !/^rediss?:\/\//.test(raw)) throw new ConfigError(`${env} must be empty (in-memory counters) or a redis:// or rediss:// URL`);
  return raw;
};

/** proxy-addr's names for well-known ranges, accepted in TRUST_PROXY next to addresses. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * TRUST_PROXY: `off`, or the proxies in front named by address (IPs, CIDR ranges, or proxy-addr's
 * `loopback`/`linklocal`/`uniquelocal`). Only a request whose TCP peer is in this list may set its
 * client address (X-Forwarded-For) and scheme. Issue 11 class 4: no value may let a directly
 * connected client choose its address, so `on` (every sender), a bare hop count (the first hop is
 * whoever connects) and a /0 range (every address) are refused with a ConfigError. Several proxies
 * in a row need no count: list each one and the chain is followed while the hops are listed.
 */
export const trustProxy: Parser<false | readonly string[]> = (raw, env) => {
  if (['', 'off', 'false', 'no'].includes(raw)) return false;
  const refuse = (why: string): never => {
    throw new ConfigError(
      `${env} ${why}: list the proxies' addresses instead (IPs or CIDR ranges, comma-separated, e.g. 127.0.0.1 or 10.0.0.0/24), or set it off`,
    );
  };
  if (['on', 'true', 'yes'].includes(raw)) refuse('cannot trust every sender (any client could choose its own address)');
  if (/^\d+$/.test(raw)) refuse(`cannot be a bare hop count ("${raw}"): whoever connects directly would choose their own address`);
  const proxies = raw.split(',').map((x) => x.trim());
  for (const p of proxies) {
    if (PROXY_RANGE_NAMES.includes(p)) continue;
    const [address, bits, ...rest] = p.split('/');
    const family = address ? isIP(address) : 0;
    if (rest.length > 0 || family === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new ConfigError(`${env} must be off or a comma-separated list of proxy IPs/CIDR ranges, got "${p}"`);
    }
    if (bits !== undefined && Number(bits) > (family === 4 ? 32 : 128)) {
      throw new ConfigError(`${env}: "${p}" has a prefix longer than an IPv${family} address`);
    }
    if (bits !== undefined && Number(bits) === 0) refuse(`cannot trust "${p}", every address`);
  }
  return Object.freeze(proxies);
};
