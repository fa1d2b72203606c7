import { migrateToLatest } from '../../storage/migrate.js';
import { EXIT_OK, parseCommandArgs, withStorage, type Command } from '../command.js';

export const migrate: Command = {
  name: 'migrate',
  summary: 'bring the database schema up to date',
  help: `Usage: minibank migrate

Applies any pending schema migrations and lists them. Safe to run while an older or newer
version is serving: migrations only add. \`serve\` runs this itself at start.`,
  async run(args, loadConfig) {
    parseCommandArgs(args, {}, { min: 0, max: 0, names: '' });
    return withStorage(loadConfig(), async (storage) => {
      const { applied } = await migrateToLatest(storage);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
      return EXIT_OK;
    });
  },
};
