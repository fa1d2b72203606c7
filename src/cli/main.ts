#!/usr/bin/env node
/**
 * The `minibank` command: a dispatcher over src/cli/commands/, one file per subcommand, each reusing
 * the same use cases as the HTTP server. Exit codes: 0 success, 1 the check or operation failed,
 * 2 bad usage or configuration.
 */
import { ConfigError, loadConfig } from '../config.js';
import { CommandFailed, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type Command } from './command.js';
import { admin } from './commands/admin.js';
import { backup } from './commands/backup.js';
import { migrate } from './commands/migrate.js';
import { restore } from './commands/restore.js';
import { serve } from './commands/serve.js';
import { stats } from './commands/stats.js';
import { verify } from './commands/verify.js';
import { statementKey } from './commands/statement-key.js';
import { verifyStatement } from './commands/verify-statement.js';

const commands: Command[] = [serve, migrate, verify, backup, restore, stats, verifyStatement, statementKey, admin];

// Summaries line up after the longest name (verify-statement), one command per line.
const NAME_WIDTH = Math.max(...commands.map((c) => c.name.length));

const HELP = `minibank: a small self-hostable bank

Usage: minibank <command> [options]
       minibank <command> --help

Commands:
${commands.map((c) => `  ${c.name.padEnd(NAME_WIDTH)} ${c.summary}`).join('\n')}

Settings come from environment variables (DATA_DIR, DATABASE_URL, ...); see the README.
Exit codes: 0 success, 1 failure, 2 bad usage or configuration.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`minibank: unknown command "${name}"\n\n${HELP}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, () => loadConfig());
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`minibank ${name}: ${error.message}\n\n${command.help}`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      console.error(`minibank: configuration error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof CommandFailed || (error as Error).name === 'SqliteFileError') {
      console.error(`minibank ${name}: ${(error as Error).message}`);
      return EXIT_FAILED;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // A negative code means the command keeps running (the server) and exits on its own. Otherwise
    // exit now: a server that failed half-way through starting may still hold timers or a pool.
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`minibank: ${(error as Error).stack ?? String(error)}`);
    process.exit(EXIT_FAILED);
  },
);
