/**
 * The real server as a child process (`node --import tsx src/cli/main.ts serve`) on 127.0.0.1 and
 * an ephemeral port, for the tests that need real signals, sockets and files: graceful shutdown,
 * SIGHUP reopen, backup under load. Also runs CLI commands the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_SECRET } from '../helpers/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const START_TIMEOUT_MS = 30_000;

export const PASSWORD = 'a long enough test passphrase';

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-ops-'));
}

export function childEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    SECRET: TEST_SECRET,
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface ChildServer {
  url: string;
  process: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

export async function startChildServer(env: NodeJS.ProcessEnv): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const lines = (stream: NodeJS.ReadableStream, sink: string[], onLine?: (line: string) => void) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        sink.push(line);
        onLine?.(line);
      }
    });
  };
  const url = await new Promise<string>((resolve, reject) => {
    // A server that never says it listens is killed, or its open pipes would keep the test file alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${stderr.join('\n')}`));
    }, START_TIMEOUT_MS);
    lines(child.stdout, stdout, (line) => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    lines(child.stderr, stderr);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${stderr.join('\n')}\n${stdout.join('\n')}`));
    });
  });
  return { url, process: child, stdout, stderr, exited, kill: (signal) => child.kill(signal) };
}

/** Stops a child that a failed test left running; never throws. */
export async function ensureStopped(server: ChildServer | undefined): Promise<void> {
  if (!server || server.process.exitCode !== null || server.process.signalCode !== null) return;
  server.kill('SIGKILL');
  await server.exited;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`minibank ${args.join(' ')} timed out`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A JSON API client for the child server. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each caller reads the answer it expects
export async function api(base: string, method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(base + url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}

export interface RemoteUser {
  username: string;
  token: string;
  accountId: string;
  accountNumber: string;
}

export async function signUpAndDeposit(base: string, username: string, amount: number): Promise<RemoteUser> {
  const signup = await api(base, 'POST', '/api/v1/signup', { username, password: PASSWORD });
  if (signup.status !== 201) throw new Error(`signup ${username}: ${signup.status} ${JSON.stringify(signup.json)}`);
  const login = await api(base, 'POST', '/api/v1/auth/token', { username, password: PASSWORD });
  if (login.status !== 200) throw new Error(`token ${username}: ${login.status}`);
  const user = {
    username,
    token: login.json.access_token as string,
    accountId: signup.json.account.id as string,
    accountNumber: signup.json.account.number as string,
  };
  if (amount > 0) {
    const deposit = await api(base, 'POST', '/api/v1/deposits', { account_id: user.accountId, amount }, user.token);
    if (deposit.status !== 201) throw new Error(`deposit: ${deposit.status}`);
  }
  return user;
}
