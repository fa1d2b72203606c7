/**
 * The holds part of the chaos checker (issue 14 item 2), judged from the stored rows against what
 * the clients were told: each acknowledged placement is one hold row, a refused one none; after the
 * run every hold is resolved exactly once (captured with exactly one matching ledger transfer, or
 * voided or expired with none); an acknowledged capture or void is what the row says; nothing is
 * left in reserve. Returns the findings, the memos the ledger may hold for holds, and the balance
 * changes the captures made (for the checker's replay of every balance).
 */
import type { Storage } from '../../src/storage/storage.js';
import type { ChaosUser } from './cluster.js';
import { actionAnswer, placementOutcome, type HoldChaosOp } from './hold-workload.js';

export interface HoldFinding {
  message: string;
  ops: string[];
}

export interface HoldCheck {
  findings: HoldFinding[];
  /** Ledger memos explained by holds (a capture's transfer carries the hold's memo). */
  memos: Set<string>;
  /** Per account id: what captures moved (minor units, signed). */
  deltas: Map<string, bigint>;
}

interface LedgerLike {
  id: string;
  type: string;
  memo: string | null;
  entries: { accountId: string; amount: bigint }[];
}

const EXPECTED_REFUSALS = { place: ['insufficient_funds'], action: ['hold_not_pending'] };

export async function checkHolds(storage: Storage, holds: HoldChaosOp[], users: ChaosUser[], ledger: LedgerLike[]): Promise<HoldCheck> {
  const findings: HoldFinding[] = [];
  const add = (message: string, ops: string[] = []) => findings.push({ message, ops });
  const memos = new Set(holds.map((h) => h.memo));
  const deltas = new Map<string, bigint>();
  const rows = await storage.db.selectFrom('holds').selectAll().execute();
  const byMemo = new Map<string, typeof rows>();
  for (const row of rows) byMemo.set(row.memo ?? '', [...(byMemo.get(row.memo ?? '') ?? []), row]);
  const txByMemo = new Map<string, LedgerLike[]>();
  for (const tx of ledger) if (memos.has(tx.memo ?? '')) txByMemo.set(tx.memo ?? '', [...(txByMemo.get(tx.memo ?? '') ?? []), tx]);

  for (const op of holds) {
    const found = byMemo.get(op.memo) ?? [];
    const txs = txByMemo.get(op.memo) ?? [];
    const placed = placementOutcome(op);
    for (const a of op.placements)
      if (a.outcome === 'fail' && !EXPECTED_REFUSALS.place.includes(a.code ?? '')) add(`${op.id}: placing answered ${a.status} ${a.code}`, [op.id]);
    if (placed === 'unknown') add(`${op.id}: the placement never got a definite answer`, [op.id]);
    if (found.length > 1) add(`${op.id}: placed ${found.length} times under one Idempotency-Key`, [op.id]);
    if (placed === 'fail' && found.length > 0) add(`${op.id}: refused, yet hold ${found[0]?.id} exists`, [op.id]);
    if (placed === 'ok' && found.length === 0) add(`${op.id}: acknowledged (hold ${op.holdId}) but no hold row: an acknowledged hold was lost`, [op.id]);
    const row = found[0];
    if (!row) {
      if (txs.length > 0) add(`${op.id}: no hold, yet ${txs.length} ledger transaction(s) carry its memo`, [op.id]);
      continue;
    }
    if (op.holdId && row.id !== op.holdId) add(`${op.id}: acknowledged as ${op.holdId}, stored as ${row.id}`, [op.id]);
    if (row.status === 'pending') add(`${op.id}: hold ${row.id} is still pending after the run (expiry or the sweeper failed)`, [op.id]);
    const from = users[op.from] as ChaosUser;
    const to = users[op.to] as ChaosUser;
    if (row.status === 'captured') {
      const captured = BigInt(row.captured_amount);
      const tx = txs[0];
      const debit = tx?.entries.find((e) => e.accountId === from.accountId);
      const credit = tx?.entries.find((e) => e.accountId === to.accountId);
      if (txs.length !== 1 || !tx || tx.id !== row.transaction_id)
        add(`${op.id}: captured, with ${txs.length} ledger transaction(s) for it (want exactly one, ${row.transaction_id})`, [op.id]);
      else if (tx.type !== 'transfer' || debit?.amount !== -captured || credit?.amount !== captured)
        add(`${op.id}: the capture's transfer does not move ${captured} from payer to payee`, [op.id]);
      deltas.set(from.accountId, (deltas.get(from.accountId) ?? 0n) - captured);
      deltas.set(to.accountId, (deltas.get(to.accountId) ?? 0n) + captured);
    } else if (txs.length > 0) add(`${op.id}: ${row.status}, yet ${txs.length} ledger transaction(s) carry its memo`, [op.id]);
    judgeAction(op, row, add);
  }
  const held = await storage.db.selectFrom('accounts').select(['number', 'held']).where('held', '<>', 0n).execute();
  for (const a of held) add(`account ${a.number} still holds ${a.held} in reserve with every hold resolved`);
  return { findings, memos, deltas };
}

/** What the payee was told about a capture or void agrees with the stored hold. */
function judgeAction(
  op: HoldChaosOp,
  row: { status: string; captured_amount: bigint; transaction_id: string | null },
  add: (m: string, ops?: string[]) => void,
): void {
  const action = op.action;
  if (!action) {
    if (op.leftToExpire && row.status !== 'expired') add(`${op.id}: left to expire, but it is ${row.status}`, [op.id]);
    return;
  }
  const answer = actionAnswer(op);
  const want = action.kind === 'capture' ? 'captured' : 'voided';
  if (!answer) add(`${op.id}: the ${action.kind} never got a definite answer`, [op.id]);
  else if (answer.outcome === 'ok') {
    if (row.status !== want) add(`${op.id}: ${action.kind} acknowledged, but the hold is ${row.status}`, [op.id]);
    if (action.kind === 'capture' && answer.txId !== row.transaction_id)
      add(`${op.id}: capture acknowledged as ${answer.txId}, stored ${row.transaction_id}`, [op.id]);
    if (action.kind === 'capture' && action.amount !== undefined && BigInt(action.amount) !== BigInt(row.captured_amount))
      add(`${op.id}: captured ${row.captured_amount}, asked ${action.amount}`, [op.id]);
  } else if (!EXPECTED_REFUSALS.action.includes(answer.code ?? '')) add(`${op.id}: ${action.kind} answered ${answer.status} ${answer.code}`, [op.id]);
  else {
    // Not pending: an earlier attempt whose answer was lost did it, or the hold expired first.
    const earlierUnknown = action.answers.some((a) => a.outcome === 'unknown');
    if (row.status !== 'expired' && !(earlierUnknown && row.status === want))
      add(`${op.id}: ${action.kind} refused as not pending, but the hold ended ${row.status}`, [op.id]);
  }
}
