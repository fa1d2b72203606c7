import { verifyBooks } from '../../app/verify-books.js';
import { migrateToLatest } from '../../storage/migrate.js';
import type { Storage } from '../../storage/storage.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, withStorage, type Command } from '../command.js';
import { parseChainPosition, printChainVerification } from './verify-chain.js';

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
It also recomputes the ledger's hash chain (docs/ledger.md) and names the first transaction whose
hash does not match: a row changed, inserted or deleted, even with the balances fixed to match.
Exit 0 when sound, 1 with a report of every problem otherwise.

  --from <seq>   check only the chain, from position <seq> to the head, trusting the stored hash
                 of position <seq>-1 (quick, for a range sealed since the last full check)`,
  async run(args, loadConfig) {
    const { values } = parseCommandArgs(args, { from: { type: 'string' } }, { min: 0, max: 0, names: '' });
    if (values.from !== undefined) {
      const fromSeq = parseChainPosition(values.from);
      return withStorage(loadConfig(), async (storage) => ((await printChainVerification(storage, fromSeq)) ? EXIT_OK : EXIT_FAILED));
    }
    return withStorage(loadConfig(), async (storage) => ((await printVerification(storage)) ? EXIT_OK : EXIT_FAILED));
  },
};
