/**
 * Starts the bank: builds the app, listens, and shuts down cleanly on SIGTERM or SIGINT (stop
 * accepting, let requests in flight finish, close the database). A second signal exits at once.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Config } from '../config.js';
import { buildApp } from './app.js';

export async function startServer(config: Config): Promise<FastifyInstance> {
  const logger = pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.password', '*.access_token'], censor: '[redacted]' },
    ...(config.logPretty ? { transport: { target: 'pino/file', options: { destination: 1 } } } : {}),
  });
  const app = await buildApp({ config, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  return app;
}
