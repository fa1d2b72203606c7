/**
 * `minibank verify`: the books and the ledger's hash chain (issue 16 items 1-2); `--from <seq>` checks
 * the chain alone from one position to the head. There is no separate `verify-chain` command: a full
 * `verify` already recomputes the whole chain (verify-books.ts).
 */
import { verifyBooks } from '../../app/verify-books.js';
import { verifyChain } from '../../app/verify-chain.js';
import { migrateToLatest } from '../../storage/migrate.js';
import type { Storage } from '../../storage/storage.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError, withStorage, type Command } from '../command.js';

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

/** A chain position as typed: a whole number, 1 or more. @throws UsageError otherwise. */
export function parseChainPosition(raw: string): bigint {
  if (!/^[1-9]\d{0,18}$/.test(raw)) throw new UsageError(`--from takes a chain position (1, 2, 3...), not "${raw}"`);
  return BigInt(raw);
}

/** Prints the chain check from `fromSeq`; true when every link matches. */
export async function printChainVerification(storage: Storage, fromSeq: bigint): Promise<boolean> {
  await migrateToLatest(storage);
  const report = await verifyChain(storage.db, { fromSeq });
  console.log(`checked chain positions ${fromSeq}..${fromSeq + report.checked - 1n} (${report.checked}); ${report.unsealed} transaction(s) not sealed yet`);
  if (report.ok) {
    console.log('chain is sound');
    return true;
  }
  console.log(`${report.problems.length} problem(s):`);
  for (const problem of report.problems) console.log(`  - ${problem}`);
  return false;
}

export const verify: Command = {
  name: 'verify',
  summary: 'check the books (balanced transactions, cached balances, no negative user balance) and the hash chain',
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
