import fs from 'node:fs';
import path from 'node:path';
import { backupSqlite } from '../../storage/sqlite-backup.js';
import { sqliteFile } from '../../storage/open-storage.js';
import { warnIfSharedDir } from '../../private-files.js';
import { CommandFailed, EXIT_FAILED, EXIT_OK, maskedUrl, parseCommandArgs, type Command } from '../command.js';

export const backup: Command = {
  name: 'backup',
  summary: 'copy the database to a file, safely while the server runs',
  help: `Usage: minibank backup [--force] <file>

SQLite: writes a consistent copy of DATA_DIR/minibank.sqlite to <file> using SQLite's online
backup API, safe while the server is running and writing. The copy is one self-contained file,
integrity-checked before it is kept; it is written beside <file> and renamed into place, so
<file> is never half written. The file is private (mode 0600); a warning is printed when its
folder is open to other users. An existing <file> is kept unless --force is given.

PostgreSQL (DATABASE_URL set): minibank does not copy the database itself; it prints the
pg_dump command to use and exits 1, so a scheduled job that expected a file fails loudly.

Options:
  --force   overwrite <file> if it exists`,
  async run(args, loadConfig) {
    const { positionals, values } = parseCommandArgs(args, { force: { type: 'boolean' } }, { min: 1, max: 1, names: '<file>' });
    const config = loadConfig();
    const file = path.resolve(positionals[0] ?? '');
    if (config.databaseUrl) {
      console.error('minibank backup: PostgreSQL is backed up with its own tools. Run:');
      console.log(`pg_dump --format=custom --no-owner --file=${JSON.stringify(file)} ${JSON.stringify(maskedUrl(config.databaseUrl))}`);
      console.error('(put the password in ~/.pgpass or PGPASSWORD, not on the command line; restore with pg_restore --clean --if-exists)');
      return EXIT_FAILED;
    }
    if (fs.existsSync(file) && !values.force) throw new CommandFailed(`${file} already exists; use --force to overwrite it`);
    if (!fs.existsSync(path.dirname(file))) throw new CommandFailed(`the folder ${path.dirname(file)} does not exist`);
    warnIfSharedDir(path.dirname(file));
    const started = Date.now();
    const result = await backupSqlite(sqliteFile(config), file, config.sqliteBusyTimeoutMs);
    console.log(`backed up ${sqliteFile(config)} to ${result.file} (${result.bytes} bytes, ${result.pages} pages) in ${Date.now() - started} ms`);
    return EXIT_OK;
  },
};
