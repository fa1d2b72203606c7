import { verifyBooks } from '../../app/verify-books.js';
import { migrateToLatest } from '../../storage/migrate.js';
import type { Storage } from '../../storage/storage.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, withStorage, type Command } from '../command.js';

/** Prints the report; true when the books are sound. Also used by `restore`. */
export async function printVerification(storage: Storage): Promise<boolean> {
  await migrateToLatest(storage);
  const report = await verifyBooks(storage.db);
  const { transactions, entries, accounts } = report.counts;
  console.log(`checked ${transactions} transactions, ${entries} entries, ${accounts} accounts`);
  if (report.ok) {
    console.log('books are sound');
    return true;
  }
  console.log(`${report.problems.length} problem(s):`);
  for (const problem of report.problems) console.log(`  - ${problem}`);
  return false;
}

export const verify: Command = {
  name: 'verify',
  summary: 'check the books: balanced transactions, cached balances, no negative user balance',
  help: `Usage: minibank verify

Checks the books from the stored rows: every transaction sums to zero, every cached balance equals
the sum of its entries, the balances of each currency sum to zero, and no user balance is negative.
Exit 0 when sound, 1 with a report of every problem otherwise.`,
  async run(args, loadConfig) {
    parseCommandArgs(args, {}, { min: 0, max: 0, names: '' });
    return withStorage(loadConfig(), async (storage) => ((await printVerification(storage)) ? EXIT_OK : EXIT_FAILED));
  },
};
