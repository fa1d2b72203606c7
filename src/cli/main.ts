#!/usr/bin/env node
/**
 * The `minibank` command. Each subcommand reuses the same use cases as the HTTP server.
 * Exit codes: 0 success, 1 the check or operation failed, 2 bad usage or configuration.
 */
import { verifyBooks } from '../app/verify-books.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { startServer } from '../http/server.js';
import { migrateToLatest } from '../storage/migrate.js';
import { openStorage } from '../storage/open-storage.js';

const HELP = `minibank: a small self-hostable bank

Usage: minibank <command> [--help]

Commands:
  serve     start the HTTP server (migrates the database first)
  migrate   bring the database schema up to date
  verify    check the books: balanced transactions, cached balances, no negative user balance

Settings come from environment variables; see the README.`;

const commandHelp: Record<string, string> = {
  serve: 'Usage: minibank serve\n\nStarts the bank on HOST:PORT with the database chosen by DATABASE_URL (or SQLite in DATA_DIR).',
  migrate: 'Usage: minibank migrate\n\nApplies any pending schema migrations and lists them.',
  verify:
    'Usage: minibank verify\n\nChecks the books from the stored rows: every transaction sums to zero, every cached balance equals\nthe sum of its entries, the balances of each currency sum to zero, and no user balance is negative.\nExit 0 when sound, 1 with a report of every problem otherwise.',
};

async function withStorage<T>(config: Config, work: (storage: ReturnType<typeof openStorage>) => Promise<T>): Promise<T> {
  const storage = openStorage(config);
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command ? 0 : 2;
  }
  if (!(command in commandHelp)) {
    console.error(`minibank: unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp[command]);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await startServer(config);
      return -1;
    case 'migrate':
      return withStorage(config, async (storage) => {
        const { applied } = await migrateToLatest(storage);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
        return 0;
      });
    case 'verify':
      return withStorage(config, async (storage) => {
        await migrateToLatest(storage);
        const report = await verifyBooks(storage.db);
        const { transactions, entries, accounts } = report.counts;
        console.log(`checked ${transactions} transactions, ${entries} entries, ${accounts} accounts`);
        if (report.ok) {
          console.log('books are sound');
          return 0;
        }
        console.log(`${report.problems.length} problem(s):`);
        for (const problem of report.problems) console.log(`  - ${problem}`);
        return 1;
      });
  }
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(`minibank: configuration error: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    console.error(`minibank: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  },
);
