/**
 * `minibank verify` checks every reversal against its original (issue 15 item 3; docs/ledger.md
 * "Reversals"): the original exists and is no reversal itself, the entries mirror (same accounts,
 * every amount negated), the stored types mirror, and no transaction is reversed twice (the unique
 * index keeps that, and verify trusts no index: it counts from the stored rows).
 */
import { reversalProblems } from '../domain/reversal.js';
import { reversalsWithOriginals } from '../storage/repositories/reversal-repository.js';
import type { Db } from '../storage/storage.js';

/** Every problem found with the stored reversals (empty when all hold). */
export async function verifyReversals(db: Db): Promise<{ problems: string[] }> {
  const { reversals, originals } = await reversalsWithOriginals(db);
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const reversal of reversals) {
    const originalId = reversal.reversalOf!;
    const earlier = seen.get(originalId);
    if (earlier !== undefined) problems.push(`transaction ${originalId} is reversed twice: by ${earlier} and by ${reversal.id}`);
    seen.set(originalId, reversal.id);
    problems.push(...reversalProblems(reversal, originals.get(originalId)));
  }
  return { problems };
}
