import path from 'node:path';
import { verifyBooks } from '../../app/verify-books.js';
import { openSqlite } from '../../storage/dialects/sqlite.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { openStorage, sqliteFile } from '../../storage/open-storage.js';
import { assertNotInUse, checkSqliteBackup, commitStaged, discardStaged, sqliteHasData, stageCopy } from '../../storage/sqlite-backup.js';
import { CommandFailed, EXIT_FAILED, EXIT_OK, maskedUrl, parseCommandArgs, type Command } from '../command.js';
import { printVerification } from './verify.js';

export const restore: Command = {
  name: 'restore',
  summary: 'put a backup in place of the database, then verify the books',
  help: `Usage: minibank restore [--force] <file>

SQLite: checks <file> (integrity, a minibank ledger, sound books, schema brought up to date on a
copy), then puts it in place of DATA_DIR/minibank.sqlite and runs \`minibank verify\` on the result.
It refuses while the database is open elsewhere (stop the server first), and refuses to replace a
database that holds any user or transaction unless --force is given. Nothing is changed when a
check fails.

PostgreSQL (DATABASE_URL set): prints the pg_restore command to use and exits 1.

Options:
  --force   replace a database that already holds data`,
  async run(args, loadConfig) {
    const { positionals, values } = parseCommandArgs(args, { force: { type: 'boolean' } }, { min: 1, max: 1, names: '<file>' });
    const config = loadConfig();
    const file = path.resolve(positionals[0] ?? '');
    if (config.databaseUrl) {
      console.error('minibank restore: PostgreSQL is restored with its own tools (stop every instance first). Run:');
      console.log(`pg_restore --clean --if-exists --no-owner --dbname=${JSON.stringify(maskedUrl(config.databaseUrl))} ${JSON.stringify(file)}`);
      console.error('then: minibank verify');
      return EXIT_FAILED;
    }
    const target = sqliteFile(config);
    checkSqliteBackup(file);
    if (sqliteHasData(target) && !values.force) {
      throw new CommandFailed(`${target} already holds users or transactions; use --force to replace it with the backup`);
    }
    assertNotInUse(target);

    const staging = stageCopy(file, target);
    try {
      const storage = openSqlite({ file: staging, busyTimeoutMs: config.sqliteBusyTimeoutMs });
      try {
        await migrateToLatest(storage);
        const report = await verifyBooks(storage.db);
        if (!report.ok) throw new CommandFailed(`the backup's books are not sound; nothing was restored:\n  - ${report.problems.join('\n  - ')}`);
      } finally {
        await storage.close();
      }
      assertNotInUse(target);
      commitStaged(staging, target);
    } catch (error) {
      discardStaged(staging);
      throw error;
    }
    console.log(`restored ${file} to ${target}`);

    const storage = openStorage(config);
    try {
      return (await printVerification(storage)) ? EXIT_OK : EXIT_FAILED;
    } finally {
      await storage.close();
    }
  },
};
