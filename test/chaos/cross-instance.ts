/**
 * Cross-instance behaviour of two servers on one PostgreSQL (and one Redis for the limits), checked
 * through their public interfaces:
 *  - an API token revoked through one instance is refused by the other at once;
 *  - a web session logged out on one instance is gone on the other;
 *  - the login rate limit counts requests to both instances together.
 * Requests leave from a loopback address of their own (127.x.y.z), so the per-IP counters in the
 * shared Redis are this check's alone; its Redis keys are deleted afterwards, by exact name.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createBackend } from './backend.js';

import { Prng } from './prng.js';
import { prepareServerCommand, type ServerMode } from './server-build.js';
import { freePort, ServerProcess } from './server-process.js';

export interface CrossInstanceResult {
  name: string;
  status: 'pass' | 'fail' | 'todo';
  detail: string;
}

export interface CrossInstanceOptions {
  seed: number;
  outDir: string;
  redisUrl: string;
  server: ServerMode;
  /** The auth limit the check configures; the (limit+1)th attempt across both instances must be refused. */
  authLimit?: number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A tiny HTTP client bound to one source address, with a cookie jar for the page checks. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly localAddress: string) {}

  request(baseUrl: string, method: string, urlPath: string, options: { json?: unknown; form?: Record<string, string>; token?: string } = {}): Promise<Reply> {
    const url = new URL(urlPath, baseUrl);
    const headers: Record<string, string> = {};
    let payload: string | undefined;
    if (options.json !== undefined) {
      payload = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form) {
      payload = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, localAddress: this.localAddress, timeout: 15_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const [pair] = line.split(';');
            const eq = (pair ?? '').indexOf('=');
            if (eq <= 0) continue;
            const name = (pair as string).slice(0, eq).trim();
            const value = (pair as string).slice(eq + 1).trim();
            if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
            else this.cookies.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

const csrfOf = (html: string): string | undefined =>
  /name="_csrf" value="([^"]+)"/
    .exec(html)?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(/&#x2F;|&#47;/g, '/')
    .replace(/&#x3D;|&#61;/g, '=')
    .replace(/&#43;/g, '+');

export async function runCrossInstanceChecks(options: CrossInstanceOptions): Promise<CrossInstanceResult[]> {
  fs.mkdirSync(options.outDir, { recursive: true });
  const rng = new Prng(options.seed).fork('cross-instance');
  const authLimit = options.authLimit ?? 6;
  // Two source addresses of our own in 127/8: one for set-up, one for the rate-limit probe.
  const ipBase = `127.${rng.int(10, 250)}.${rng.int(0, 255)}`;
  const setupIp = `${ipBase}.${rng.int(2, 120)}`;
  const probeIp = `${ipBase}.${rng.int(130, 250)}`;
  const command = await prepareServerCommand(options.server, `cross-${options.seed}`);
  const backend = await createBackend('postgres', options.seed).catch((error: unknown) => {
    command.cleanup();
    throw error;
  });
  const servers: ServerProcess[] = [];
  const username = `cross-${rng.text(8, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
  const password = rng.text(24);
  const results: CrossInstanceResult[] = [];
  const record = (name: string, ok: boolean, detail: string) => results.push({ name, status: ok ? 'pass' : 'fail', detail });
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: backend.databaseUrl,
      SECRET: rng.text(48),
      RATE_LIMITS: 'on',
      REDIS_URL: options.redisUrl,
      RATE_LIMIT_AUTH_PER_MINUTE: String(authLimit),
      LOG_LEVEL: 'warn',
    };
    for (let i = 0; i < 2; i++) {
      const server = new ServerProcess(
        i,
        await freePort(),
        [...command.entry, 'serve'],
        { ...env, DATA_DIR: path.join(backend.dataDir, `instance-${i}`) },
        path.join(options.outDir, `cross-instance-${i}.log`),
        () => 0,
      );
      servers.push(server);
      await server.start();
    }
    const [a, b] = servers.map((s) => s.baseUrl) as [string, string];
    const setup = new Browser(setupIp);

    const signup = await setup.request(a, 'POST', '/api/v1/signup', { json: { username, password } });
    if (signup.status !== 201) throw new Error(`cross-instance set-up: signup answered ${signup.status} ${signup.body}`);

    // 1. A token revoked on A is refused by B at once.
    const login = await setup.request(a, 'POST', '/api/v1/auth/token', { json: { username, password } });
    const token = (JSON.parse(login.body) as { access_token?: string }).access_token ?? '';
    const before = await setup.request(b, 'GET', '/api/v1/me', { token });
    const logout = await setup.request(a, 'POST', '/api/v1/auth/logout', { token });
    const after = await setup.request(b, 'GET', '/api/v1/me', { token });
    record(
      'token revoked on one instance is refused by the other at once',
      before.status === 200 && logout.status === 204 && after.status === 401,
      `B before logout: ${before.status}; logout on A: ${logout.status}; B right after: ${after.status}`,
    );

    // 2. A web session logged out on A is gone on B.
    const browser = new Browser(setupIp);
    const loginPage = await browser.request(a, 'GET', '/login');
    const loginCsrf = csrfOf(loginPage.body);
    if (loginPage.status !== 200 || !loginCsrf) {
      results.push({
        name: 'web session logged out on one instance is gone on the other',
        status: 'todo',
        detail: `no login form with a CSRF token at GET /login (status ${loginPage.status})`,
      });
    } else {
      const signIn = await browser.request(a, 'POST', '/login', { form: { username, password, _csrf: loginCsrf } });
      // Keep the signed-in cookies, to replay them after logout as a stale or stolen browser would.
      const stale = new Browser(setupIp);
      for (const [k, v] of browser.cookies) stale.cookies.set(k, v);
      const dashboardOnB = await browser.request(b, 'GET', '/dashboard');
      const logoutCsrf = csrfOf(dashboardOnB.body) ?? '';
      const signOut = await browser.request(a, 'POST', '/logout', { form: { _csrf: logoutCsrf } });
      const dashboardAfter = await stale.request(b, 'GET', '/dashboard');
      record(
        'web session logged out on one instance is gone on the other',
        signIn.status === 303 &&
          dashboardOnB.status === 200 &&
          signOut.status === 303 &&
          dashboardAfter.status === 303 &&
          /\/login/.test(String(dashboardAfter.headers.location)),
        `sign-in on A: ${signIn.status}; dashboard on B: ${dashboardOnB.status}; logout on A: ${signOut.status}; old cookie on B: ${dashboardAfter.status} → ${dashboardAfter.headers.location ?? ''}`,
      );
    }

    // 3. The login limit is one count across both instances: alternate A, B, A, B...
    const probe = new Browser(probeIp);
    const statuses: number[] = [];
    for (let i = 0; i <= authLimit; i++) {
      const res = await probe.request(i % 2 === 0 ? a : b, 'POST', '/api/v1/auth/token', { json: { username, password } });
      statuses.push(res.status);
    }
    const allowed = statuses.slice(0, authLimit).every((s) => s === 200);
    const refused = statuses[authLimit] === 429;
    record(
      'login rate limit counts requests to both instances together',
      allowed && refused,
      `limit ${authLimit}/min; statuses alternating A/B: ${statuses.join(',')} (per-instance counting would allow ${2 * authLimit})`,
    );
    return results;
  } finally {
    for (const server of servers) {
      await server.stop();
      server.close();
    }
    command.cleanup();
    await backend.destroy();
    await deleteOwnRedisKeys(options.redisUrl, [setupIp, probeIp, username]);
  }
}

/** Deletes the keys whose names contain one of our unique markers (our source IPs, our username). */
async function deleteOwnRedisKeys(url: string, markers: string[]): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    for (const marker of markers) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `minibank:*${marker}*`, 'COUNT', 500);
        cursor = next;
        const mine = keys.filter((k) => k.includes(marker));
        if (mine.length) await redis.del(...mine);
      } while (cursor !== '0');
    }
  } catch {
    // Redis gone: nothing of ours to clean.
  } finally {
    redis.disconnect();
  }
}

export const DEFAULT_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
