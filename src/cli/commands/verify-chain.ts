/** `minibank verify --from <seq>`: the hash chain alone, from one position to the head (issue 16 item 2). */
import { verifyChain } from '../../app/verify-chain.js';
import { migrateToLatest } from '../../storage/migrate.js';
import type { Storage } from '../../storage/storage.js';
import { UsageError } from '../command.js';

/** A chain position as typed: a whole number, 1 or more. */
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
