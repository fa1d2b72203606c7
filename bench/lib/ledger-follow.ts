/**
 * The server's own account of its after-commit work (issue 16's sealing, issue 18's notices): the
 * seconds `minibank_ledger_follow_seconds` has added up so far (app/follow-rounds.ts), read from
 * /metrics. Read around a scenario and divided by its requests, it is that work's cost per transfer,
 * measured inside the server instead of inferred from two noisy runs.
 */

/** Seconds of after-commit work by part, summed over `urls`' instances. */
export interface FollowSeconds {
  seal: number;
  notices: number;
}

/** Reads every instance's /metrics; null when one does not answer or has no such metric. */
export async function ledgerFollowSeconds(urls: readonly string[]): Promise<FollowSeconds | null> {
  const total: FollowSeconds = { seal: 0, notices: 0 };
  for (const url of urls) {
    const res = await fetch(`${url}/metrics`).catch(() => null);
    if (!res?.ok) return null;
    const text = await res.text();
    for (const work of ['seal', 'notices'] as const) {
      const match = new RegExp(`^minibank_ledger_follow_seconds_sum\\{work="${work}"\\} (\\S+)$`, 'm').exec(text);
      // A part that never ran on an instance (the sealer off) has no line yet: it spent nothing.
      if (match) total[work] += Number(match[1]);
    }
  }
  return total;
}
