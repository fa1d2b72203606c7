/**
 * An app that writes its application log into memory, beside the harness's own app on the same
 * database, so attack tests can read every line that was logged (and the access log file).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/http/logger.js';
import type { Harness } from '../helpers/harness.js';

export interface LoggedApp {
  app: FastifyInstance;
  /** Everything written to the application log so far. */
  logText(): string;
  /** Everything in the access log file (after close, when buffered lines are flushed). */
  accessLogText(): string;
  close(): Promise<void>;
}

export async function loggedApp(h: Harness, config: Partial<Harness['config']> = {}): Promise<LoggedApp> {
  const chunks: string[] = [];
  const logger = createLogger({ logLevel: 'trace', logPretty: false }, { destination: { write: (s: string) => void chunks.push(s) } });
  const accessLog = path.join(h.dataDir, `access-${process.hrtime.bigint()}.log`);
  const app = await buildApp({ config: { ...h.config, accessLog, ...config }, storage: h.app.ctx.storage, logger });
  await app.ready();
  return {
    app,
    logText: () => chunks.join(''),
    accessLogText: () => (fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : ''),
    close: () => app.close(),
  };
}
