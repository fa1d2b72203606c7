/**
 * A scenario's load: its requests are all built and serialised before the run (raw-load.ts), so the
 * load generator's own cost per request is the same for a transfer as for the hello-world.
 */
import crypto from 'node:crypto';
import { runRaw, serialise } from './raw-load.js';

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  total: number;
  statusCodes: Record<string, number>;
  /** True when the prepared requests ran out before the time did (raise --max-rate). */
  ranOut?: boolean;
  /** Server CPU time (user + system) per request during the measured run, in microseconds: far less
   * sensitive to other load on a shared machine than requests per second. */
  serverCpuUsPerRequest?: number | null;
  /** PostgreSQL's CPU time per request over the same run, in microseconds: every `postgres` process on
   * the machine (bench/lib/postgres-cpu.ts), so nothing else should use that server meanwhile. */
  databaseCpuUsPerRequest?: number | null;
  /** The server's after-commit work per request over the same run, in microseconds, from its own
   * /metrics (bench/lib/ledger-follow.ts): the chain's sealing and the movement notices. */
  afterCommitUsPerRequest?: { seal: number; notices: number } | null;
  /** The server's peak RSS (MB) during this scenario (its warm-up included), the highest of the
   * instances: which scenario drives memory up. */
  serverPeakRssMb?: number | null;
  /** The same per server process, with `--instances N`. */
  serverPeakRssMbPerProcess?: (number | null)[];
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Builds one variant (the token, body or key); called before the run, never during it. */
  vary?: () => { path?: string; headers?: Record<string, string>; body?: string };
  /** Each variant may be sent once only (a fresh Idempotency-Key): build enough for the whole run. */
  unique?: boolean;
}

/** Variants built for a request that may repeat (a random user's token): enough to spread the load. */
const CYCLED_VARIANTS = 2000;

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Most requests per second a `unique` scenario can be sent at (its requests are built up front). */
  maxRate?: number;
}

/** The scenario's requests as bytes, built before the run. */
export function buildRequests(url: string | readonly string[], request: LoadRequest, options: LoadOptions): Buffer[] {
  // With several instances the Host header names the first; the servers do not route on it.
  const host = new URL(typeof url === 'string' ? url : url[0]!).host;
  const base = { method: request.method, path: request.path, headers: request.headers, body: request.body };
  const vary = request.vary;
  if (!vary) return [serialise(host, base)];
  const count = request.unique ? Math.ceil(options.durationS * (options.maxRate ?? 10_000)) : CYCLED_VARIANTS;
  return Array.from({ length: count }, () => {
    const v = vary();
    return serialise(host, { ...base, path: v.path ?? base.path, headers: { ...base.headers, ...v.headers }, body: v.body ?? base.body });
  });
}

export async function runLoad(url: string | readonly string[], request: LoadRequest, options: LoadOptions): Promise<LoadFigures> {
  const requests = buildRequests(url, request, options);
  return runRaw(url, requests, { connections: options.connections, durationS: options.durationS, cycle: !request.unique });
}

export const randomKey = () => crypto.randomUUID();
export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
