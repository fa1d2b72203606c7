/**
 * Child processes the bench measures: the real minibank server and a Fastify hello-world, each on a
 * free local port, with their output in a log file (never a pipe the bench might not drain).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Child {
  process: ChildProcess;
  url: string;
  logFile: string;
  /** Peak resident set size over the whole run so far, from the kernel's high-water mark (VmHWM), in bytes. */
  peakRssBytes(): number | null;
  /** Peak RSS since the last `startRssWindow()` (VmHWM after it was reset), in bytes. */
  windowPeakRssBytes(): number | null;
  /** Starts a new peak-RSS window (one scenario): the kernel's VmHWM is reset through /proc/PID/clear_refs. */
  startRssWindow(): void;
  /** CPU seconds (user + system) the process has used so far, or null when /proc is unavailable. */
  cpuSeconds(): number | null;
  /** The same, split: user (JavaScript, SQLite's own code) and system (the kernel: writes, fsync). */
  cpuTimes(): { user: number; system: number } | null;
  stop(): Promise<void>;
}

function readHwm(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** utime and stime from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux), in seconds. */
function readCpuTimes(pid: number | undefined): { user: number; system: number } | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return null;
  }
}

async function waitUntilUp(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}; see ${logFile}:\n${tail(logFile)}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`server did not answer within ${timeoutMs} ms; see ${logFile}:\n${tail(logFile)}`);
}

const tail = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
};

export async function startChild(options: {
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  logFile: string;
  probePath: string;
  cwd: string;
}): Promise<Child> {
  const out = fs.openSync(options.logFile, 'a');
  const child = spawn(process.execPath, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${options.port}`;
  // The whole run's peak survives the per-scenario resets of VmHWM: the highest value read before each.
  let runPeak: number | null = null;
  const windowPeak = () => {
    const hwm = readHwm(child.pid);
    if (hwm !== null) runPeak = Math.max(runPeak ?? 0, hwm);
    return hwm;
  };
  const result: Child = {
    process: child,
    url,
    logFile: options.logFile,
    cpuSeconds: () => {
      const times = readCpuTimes(child.pid);
      return times && times.user + times.system;
    },
    cpuTimes: () => readCpuTimes(child.pid),
    peakRssBytes: () => {
      windowPeak();
      return runPeak;
    },
    windowPeakRssBytes: windowPeak,
    startRssWindow: () => {
      windowPeak();
      try {
        // "5" resets the peak RSS (Documentation/filesystems/proc.rst); our own child, so allowed.
        fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
      } catch {
        // Not Linux, or not allowed: the window is then the whole run so far (VmHWM never resets).
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      result.peakRssBytes();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitUntilUp(url + options.probePath, child, options.logFile, 60_000);
  } catch (error) {
    await result.stop();
    throw error;
  }
  return result;
}

/** Several server processes measured as one (`--instances N`): CPU summed, RSS per process. */
export interface Servers {
  children: Child[];
  urls: string[];
  /** CPU seconds of all the processes together, or null when one is unreadable. */
  cpuSeconds(): number | null;
  /** Each process's whole-run peak RSS, in bytes. */
  peakRssBytes(): (number | null)[];
  windowPeakRssBytes(): (number | null)[];
  startRssWindow(): void;
  stop(): Promise<void>;
}

export function serversOf(children: Child[]): Servers {
  return {
    children,
    urls: children.map((c) => c.url),
    cpuSeconds: () => {
      const each = children.map((c) => c.cpuSeconds());
      return each.some((v) => v === null) ? null : each.reduce((a, b) => a! + b!, 0);
    },
    peakRssBytes: () => children.map((c) => c.peakRssBytes()),
    windowPeakRssBytes: () => children.map((c) => c.windowPeakRssBytes()),
    startRssWindow: () => children.forEach((c) => c.startRssWindow()),
    stop: async () => {
      await Promise.all(children.map((c) => c.stop()));
    },
  };
}

export const benchDir = path.dirname(path.dirname(new URL(import.meta.url).pathname));
export const repoDir = path.dirname(benchDir);

/** The node flags of the checkout's `npm start` script, so a bench server runs as `npm start` runs it. */
export function startScriptNodeFlags(dir: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.start ?? '').split(/\s+/).filter(Boolean);
  if (words[0] !== 'node') return [];
  const entry = words.findIndex((w) => w.endsWith('.js'));
  return words.slice(1, entry < 0 ? 1 : entry).filter((w) => w.startsWith('--'));
}

/**
 * The environment a bench server runs with (bench/run.ts, bench/interleave.ts): production mode on
 * 127.0.0.1, its own data folder and database (`databaseUrl` '' for SQLite), a fresh secret, and
 * rate limits off, which the contract allows for load tests; nothing else of the stack is turned off.
 */
export function benchServerEnv(dataDir: string, databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    SECRET: crypto.randomBytes(48).toString('base64'),
    RATE_LIMITS: 'off',
    TOKEN_TTL_SECONDS: '86400',
    DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '10',
  };
}
