/**
 * The real server as a child process (`node --import tsx src/cli/main.ts serve`), exactly as people
 * run it, on 127.0.0.1, a free port and a temporary DATA_DIR (embedded SQLite), with rate limits off
 * so a fast test is not mistaken for an attack.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Generous: a busy 2-core machine (tests running beside the server) can take tens of seconds to start tsx.
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export interface RunningServer {
  origin: string;
  port: number;
  dataDir: string;
  /** Everything the server wrote to stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** A port the OS just handed out; a tiny race with other processes is possible but harmless here. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startServer(extraEnv: Record<string, string> = {}): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    PUBLIC_URL: '',
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'off',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const origin = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    origin,
    port,
    dataDir,
    output: () => output,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntilReady(origin, child, () => output);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/**
 * Runs `minibank <args>` (src/cli/main.ts) on the server's data directory, as an operator runs it
 * next to the server (for example `admin grant sam support`); resolves with the exit status and output.
 */
export function runCli(server: RunningServer, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: server.dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Polls /readyz (the database answers) until it says 200; gives up early if the child dies. */
async function waitUntilReady(origin: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the server exited before it was ready:\n${output()}`);
    try {
      const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server was not ready within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

/** SIGTERM (graceful shutdown), then SIGKILL if it hangs, so the suite always ends. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** An answer of the JSON API: its status and parsed body (typed by the caller). */
export interface ApiAnswer<T> {
  status: number;
  json: T;
}

/** Calls `server`'s JSON API: `method` on `/api/v1` + `path`, a JSON body when given, a bearer token when given. */
export function apiCaller<T = Record<string, unknown>>(server: RunningServer) {
  return async (method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer<T>> => {
    const res = await fetch(`${server.origin}/api/v1${path}`, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as T };
  };
}

/**
 * Signs each of `usernames` up with `password` and gets a token, over HTTP; their tokens and first
 * account ids, in order. Throws when a step is not answered 201 / 200.
 */
export async function signedUpOverHttp<const N extends readonly string[]>(
  server: RunningServer,
  usernames: N,
  password: string,
): Promise<{ [K in keyof N]: HttpUser }> {
  const call = apiCaller<{ access_token?: string; account?: { id: string } }>(server);
  const users: HttpUser[] = [];
  for (const username of usernames) {
    const signup = await call('POST', '/signup', { username, password });
    if (signup.status !== 201 || !signup.json.account) throw new Error(`signup ${username}: ${signup.status} ${JSON.stringify(signup.json)}`);
    const token = await call('POST', '/auth/token', { username, password });
    if (token.status !== 200 || !token.json.access_token) throw new Error(`token ${username}: ${token.status} ${JSON.stringify(token.json)}`);
    users.push({ token: token.json.access_token, accountId: signup.json.account.id });
  }
  return users as { [K in keyof N]: HttpUser };
}

/** A user signed up over HTTP: their API token and first account's id. */
export interface HttpUser {
  token: string;
  accountId: string;
}
