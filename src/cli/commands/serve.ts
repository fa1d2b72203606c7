import { startServer } from '../../http/server.js';
import { CommandFailed, KEEP_RUNNING, parseCommandArgs, type Command } from '../command.js';

export const serve: Command = {
  name: 'serve',
  summary: 'start the HTTP server (migrates the database first)',
  help: `Usage: minibank serve

Starts the bank on HOST:PORT with the database chosen by DATABASE_URL (or SQLite in DATA_DIR).
SIGTERM or SIGINT shuts down gracefully (requests in flight finish, within SHUTDOWN_TIMEOUT_MS);
a second signal exits at once. SIGHUP reopens the access log (for logrotate).`,
  async run(args, loadConfig) {
    parseCommandArgs(args, {}, { min: 0, max: 0, names: '' });
    const config = loadConfig();
    try {
      await startServer(config);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
        throw new CommandFailed(`cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
      }
      throw error;
    }
    return KEEP_RUNNING;
  },
};
