/**
 * Where access-log lines go: a file (default DATA_DIR/access.log), stdout (`-`), or nowhere (`off`).
 * Lines are buffered in memory (pino's SonicBoom) and written asynchronously in blocks, never one
 * synchronous write per request; a timer flushes a quiet log within a second. `reopen()` (SIGHUP)
 * opens the path again, so logrotate can move the file away; `close()` flushes everything first.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { ConfigError, type Config } from '../config.js';
import { ensurePrivateFile, PRIVATE_FILE_MODE } from '../private-files.js';

export interface AccessLogSink {
  /** The file written to, or null for stdout. */
  readonly file: string | null;
  write(line: string): void;
  /** Opens the file again by name (after logrotate moved it); a no-op on stdout. */
  reopen(): void;
  /** Resolves when every buffered line has been handed to the operating system. */
  flush(): Promise<void>;
  /** Flushes and closes; later writes are dropped. */
  close(): Promise<void>;
}

/** Writes are gathered until this many bytes, or the flush timer fires. */
const BUFFER_BYTES = 8 * 1024;
const FLUSH_EVERY_MS = 1000;
/** If the disk stalls, drop lines past this rather than grow without bound (a `drop` is logged). */
const MAX_BUFFER_BYTES = 16 * 1024 * 1024;
const DROP_REPORT_EVERY_MS = 10_000;

export function accessLogTarget(config: Pick<Config, 'accessLog' | 'dataDir'>): string | 1 | null {
  const setting = config.accessLog.trim();
  if (setting === 'off') return null;
  if (setting === '-') return 1;
  return path.resolve(setting === '' ? path.join(config.dataDir, 'access.log') : setting);
}

/** Creates the log's folder and makes the file 0600; a path that cannot be written is a ConfigError. */
function preparePrivateLogFile(target: string): void {
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // 0600 (issue 11 class 14): the log names users and addresses; a loose existing file is fixed with a warning.
    ensurePrivateFile(target);
  } catch (error) {
    throw new ConfigError(`ACCESS_LOG: cannot write the access log at ${target}: ${(error as Error).message}`);
  }
}

/**
 * Opens the sink. A path that cannot be written is a configuration error at start (ConfigError),
 * not a server that runs on without its access log.
 */
export function openAccessLogSink(config: Pick<Config, 'accessLog' | 'dataDir'>, onError: (error: Error) => void): AccessLogSink | null {
  const target = accessLogTarget(config);
  if (target === null) return null;
  if (target !== 1) preparePrivateLogFile(target);
  const stream = pino.destination({
    dest: target,
    sync: false,
    mkdir: target !== 1,
    append: true,
    // A file created again after logrotate moved the old one away (reopen) is private too.
    mode: PRIVATE_FILE_MODE,
    // stdout is shared with the JSON logs: whole lines at once, no batching across them.
    minLength: target === 1 ? 0 : BUFFER_BYTES,
    // A pipe takes a write of up to 4096 bytes atomically, so these lines never split another writer's.
    ...(target === 1 ? { maxWrite: 4096 } : {}),
    maxLength: MAX_BUFFER_BYTES,
    periodicFlush: target === 1 ? 0 : FLUSH_EVERY_MS,
  });
  stream.on('error', onError);
  // One report per burst of drops, not one per dropped line, while the disk is stuck.
  let lastDropReportMs = 0;
  stream.on('drop', () => {
    const nowMs = Date.now();
    if (nowMs - lastDropReportMs < DROP_REPORT_EVERY_MS) return;
    lastDropReportMs = nowMs;
    onError(new Error('access log buffer full: lines are being dropped'));
  });
  let closed = false;
  const ready = new Promise<void>((resolve) => {
    // The file opens asynchronously; flushing before it is open would fail.
    if ((stream as unknown as { fd: number }).fd >= 0) resolve();
    else {
      stream.once('ready', () => resolve());
      // Never wait forever on a file that failed to open (the error itself is reported above).
      stream.once('error', () => resolve());
    }
  });

  return {
    file: target === 1 ? null : target,
    write(line) {
      if (!closed) stream.write(line);
    },
    reopen() {
      if (closed || target === 1) return;
      stream.reopen();
    },
    async flush() {
      if (closed) return;
      await ready;
      await new Promise<void>((resolve) => stream.flush(() => resolve()));
    },
    async close() {
      if (closed) return;
      closed = true;
      await ready;
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.once('error', () => resolve());
        stream.end();
      });
    },
  };
}
