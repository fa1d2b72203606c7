/**
 * One minibank server as a child process (`node <bundle> serve` or `node --import tsx src/cli/main.ts serve`), with the
 * faults the nemesis needs: kill -9, SIGSTOP/SIGCONT, restart. The child's output is appended to a
 * log file, so a crash can be read afterwards. An exit the harness did not cause is recorded: a
 * server that dies on its own is a finding.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { REPO_ROOT } from './options.js';

export interface UnexpectedExit {
  instance: number;
  atMs: number;
  code: number | null;
  signal: string | null;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  private logFd: number;
  paused = false;
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** How the last process ended. */
  lastExit: { code: number | null; signal: string | null } | undefined;

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    logFile: string,
    private readonly clockMs: () => number,
  ) {
    this.logFd = fs.openSync(logFile, 'a');
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the process and waits until it answers HTTP. */
  async start(readyTimeoutMs = 60_000): Promise<void> {
    if (this.child) throw new Error(`instance ${this.index} is already running`);
    fs.writeSync(this.logFd, `\n--- start at ${new Date().toISOString()} ---\n`);
    const child = spawn(process.execPath, this.args, {
      cwd: REPO_ROOT,
      env: { ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', this.logFd, this.logFd],
    });
    this.child = child;
    this.expectingExit = false;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.lastExit = { code, signal };
        if (!this.expectingExit) this.unexpectedExits.push({ instance: this.index, atMs: this.clockMs(), code, signal });
        if (this.child === child) this.child = undefined;
        this.paused = false;
        resolve();
      });
    });
    await this.waitReady(readyTimeoutMs);
  }

  /** Ready when /readyz says 200, or, before the operations work exists, when any route answers. */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`instance ${this.index} exited while starting; see its log`);
      try {
        const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200 || res.status === 404) return;
      } catch {
        // not listening yet
      }
      await sleep(40);
    }
    throw new Error(`instance ${this.index} did not become ready in ${timeoutMs} ms`);
  }

  async kill9(): Promise<void> {
    if (!this.child) return;
    this.expectingExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /**
   * SIGUSR2: the server (started with MINIBANK_TEST_WORKER_FAULT_SIGNAL=on, SQLite) makes its money
   * movement worker die at its next debit, mid-batch. Without that setting SIGUSR2 would end it.
   */
  killMovementWorker(): void {
    if (!this.child || this.paused) return;
    this.child.kill('SIGUSR2');
  }

  pause(): void {
    if (!this.child || this.paused) return;
    this.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (!this.child || !this.paused) return;
    this.child.kill('SIGCONT');
    this.paused = false;
  }

  /**
   * Graceful stop (SIGTERM); kill -9 if it has not exited within `graceMs`. Returns how it ended:
   * 'graceful' only for exit code 0, as the contract promises.
   */
  async stop(graceMs = 10_000): Promise<'graceful' | `exit ${string}` | 'killed after grace' | 'not-running'> {
    if (!this.child) return 'not-running';
    this.resume();
    this.expectingExit = true;
    this.child.kill('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      await this.kill9();
      return 'killed after grace';
    }
    return this.lastExit?.code === 0 ? 'graceful' : `exit ${this.lastExit?.code ?? this.lastExit?.signal}`;
  }

  close(): void {
    try {
      fs.closeSync(this.logFd);
    } catch {
      // already closed
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
