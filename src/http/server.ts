/**
 * Starts the bank and stops it gracefully. On SIGTERM or SIGINT: /readyz turns 503, the listener
 * closes, requests in flight finish (idle keep-alive connections are closed as they become idle),
 * and after SHUTDOWN_TIMEOUT_MS whatever is still open is cut. Then the access log is flushed, the
 * database closed (SQLite folds its WAL back in) and the process exits: 0 when every request
 * finished, 1 when some had to be cut. A second signal exits at once. SIGHUP reopens the access log.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { startChainSealer, type ChainSealer } from '../app/chain-sealer.js';
import { followLedger } from '../app/follow-ledger.js';
import { buildApp } from './app.js';
import { createLogger } from './logger.js';

/** How often idle keep-alive connections are closed while draining (they become idle one by one). */
const IDLE_SWEEP_MS = 50;
/** Closing the database and flushing logs after the requests are done gets this long on top. */
const CLOSE_GRACE_MS = 5000;

export async function startServer(config: Config): Promise<FastifyInstance> {
  const logger = createLogger(config);
  const app = await buildApp({ config, logger });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    // Close what buildApp opened (database, access log) so the process can report and exit.
    await app.close();
    throw error;
  }
  // The hash chain's sealer (issue 16 item 1), and after it the movement notices (issue 18): only a
  // serving instance runs them; 0 turns both off (notices follow the chain).
  const sealer =
    config.chainSealMaxDelayMs > 0
      ? startChainSealer(
          app.ctx,
          config.chainSealMaxDelayMs,
          (error) => app.log.warn({ err: error }, 'sealing or movement notices failed'),
          () => followLedger(app.ctx),
        )
      : null;
  installSignalHandlers(app, config, () => logger.flush(), sealer);
  // One line for the person who typed `npm start`, on stderr: stdout carries only JSON log lines (contract "Operations").
  process.stderr.write(`${startLine(config, app.server.address())}\n`);
  return app;
}

/**
 * "minibank listening on http://localhost:3000, data in ./data" (issue 12 item 7): where to point a
 * browser and where the data lives (the PostgreSQL database, without its password, when DATABASE_URL
 * is set). The port is the bound one, so PORT=0 shows the port the system chose.
 */
export function startLine(config: Pick<Config, 'host' | 'port' | 'dataDir' | 'databaseUrl'>, bound: AddressInfo | string | null): string {
  const port = typeof bound === 'object' && bound ? bound.port : config.port;
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const everywhere = host !== config.host ? ` (all interfaces)` : '';
  return `minibank listening on ${url}${everywhere}, ${config.databaseUrl ? `database ${withoutPassword(config.databaseUrl)}` : `data in ${config.dataDir}`}`;
}

function withoutPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

function installSignalHandlers(app: FastifyInstance, config: Config, flushLogs: () => void, sealer: ChainSealer | null): void {
  let stopping = false;
  const exit = (code: number) => {
    flushLogs();
    process.exit(code);
  };

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      app.log.warn({ signal }, 'second signal: exiting now');
      exit(1);
    }
    stopping = true;
    app.lifecycle.draining = true;
    app.metrics.ready.set(0);
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining requests in flight');

    let cut = false;
    const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
    const deadline = setTimeout(() => {
      cut = true;
      app.log.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: cutting the connections still open');
      app.server.closeAllConnections();
    }, config.shutdownTimeoutMs);
    const lastResort = setTimeout(() => {
      app.log.error('shutdown is stuck: exiting without a clean close');
      exit(1);
    }, config.shutdownTimeoutMs + CLOSE_GRACE_MS);
    lastResort.unref();

    // The sealer stops before the database closes under it.
    (sealer ? sealer.stop() : Promise.resolve())
      .then(() => app.close())
      .then(
        () => {
          clearInterval(sweep);
          clearTimeout(deadline);
          app.log.info({ cut }, 'shutdown complete');
          exit(cut ? 1 : 0);
        },
        (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          exit(1);
        },
      );
  };

  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    // logrotate has moved access.log away: start a new file under the configured name.
    app.accessLog?.reopen();
    app.log.info({ file: app.accessLog?.file ?? null }, 'SIGHUP: access log reopened');
  });
}
