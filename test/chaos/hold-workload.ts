/**
 * Holds in the chaos bank test (issue 14 item 2): a share of the clients' operations place a hold
 * (Idempotency-Key, memo `chaos-hold <op>`, retried in line on an unknown answer like a transfer),
 * then the payee captures part of it, voids it, or leaves it to expire (60 s, the contract's least;
 * only early in the load, so the run's end stays bounded). Captures and voids are sent once: an
 * unknown answer is left for the checker to judge from the stored hold. After the load every unknown
 * placement is resolved with its key, and the runner waits (bounded) until every hold is resolved.
 */
import { callApi } from './api-client.js';
import type { ChaosUser, Cluster } from './cluster.js';
import type { History, Outcome } from './history.js';
import type { Prng } from './prng.js';
import { sleep } from './server-process.js';

/** The least expiry the contract allows, in seconds. */
export const HOLD_EXPIRES_IN_S = 60;

export interface HoldAnswer {
  outcome: Outcome;
  status?: number;
  code?: string;
  /** A capture's transaction id (201). */
  txId?: string;
  /** Network-level failure (timeout, ECONNRESET...). */
  error?: string;
}

export interface HoldChaosOp {
  id: string;
  from: number;
  to: number;
  amount: number;
  key: string;
  memo: string;
  /** The placement's answers, in order (in-line retries and the resolve phase, same key). */
  placements: HoldAnswer[];
  /** The hold id from a 201. */
  holdId?: string;
  /** What the payee did next, and its answers (retried after the load while unknown). */
  action?: { kind: 'capture' | 'void'; amount?: number; answers: HoldAnswer[] };
  /** Left to expire on its own. */
  leftToExpire?: boolean;
}

/** The final outcome of a placement: its last definite answer, or unknown. */
export const placementOutcome = (op: HoldChaosOp): Outcome => [...op.placements].reverse().find((a) => a.outcome !== 'unknown')?.outcome ?? 'unknown';

async function place(cluster: Cluster, rng: Prng, users: ChaosUser[], op: HoldChaosOp, timeoutMs: number): Promise<HoldAnswer> {
  const from = users[op.from] as ChaosUser;
  const to = users[op.to] as ChaosUser;
  const result = await callApi(cluster.pick(rng).baseUrl, {
    method: 'POST',
    path: '/api/v1/holds',
    token: from.token,
    idempotencyKey: op.key,
    body: { from_account_id: from.accountId, to: to.accountNumber, amount: op.amount, memo: op.memo, expires_in: HOLD_EXPIRES_IN_S },
    timeoutMs,
  });
  const answer: HoldAnswer = {
    outcome: result.outcome,
    ...(result.status ? { status: result.status } : {}),
    ...(result.code ? { code: result.code } : {}),
    ...(result.error ? { error: result.error } : {}),
  };
  const holdId = (result.body as { hold?: { id?: string } } | undefined)?.hold?.id;
  if (result.outcome === 'ok' && holdId) op.holdId = holdId;
  op.placements.push(answer);
  return answer;
}

/**
 * One hold operation of a client: place it (in-line retries with its key), then capture part, void,
 * or (early in the load only, `mayExpire`) leave it to expire.
 */
export async function runHoldOp(
  cluster: Cluster,
  rng: Prng,
  users: ChaosUser[],
  history: History,
  op: { id: string; seed: number; timeoutMs: number; inlineAttempts: number; mayExpire: boolean },
): Promise<void> {
  const from = rng.int(0, users.length - 1);
  let to = rng.int(0, users.length - 2);
  if (to >= from) to++;
  const hold: HoldChaosOp = {
    id: op.id,
    from,
    to,
    amount: rng.int(1, 3_000),
    key: `chaos-hold-${op.seed}-${op.id}-${rng.text(10)}`,
    memo: `chaos-hold ${op.id}`,
    placements: [],
  };
  history.holds.push(hold);
  for (let i = 0; i < op.inlineAttempts; i++) {
    if ((await place(cluster, rng, users, hold, op.timeoutMs)).outcome !== 'unknown') break;
    await sleep(rng.int(50, 400));
  }
  if (placementOutcome(hold) !== 'ok' || !hold.holdId) return;
  const roll = rng.next();
  if (op.mayExpire && roll < 0.3) {
    hold.leftToExpire = true;
    return;
  }
  chooseAction(rng, hold);
  await act(cluster, rng, users, hold, op.timeoutMs);
}

/** The payee's choice for a hold not left to expire: capture (all, or part half the time) or void. */
function chooseAction(rng: Prng, hold: HoldChaosOp): void {
  const kind = rng.chance(0.65) ? 'capture' : 'void';
  const amount = kind === 'capture' && rng.chance(0.5) ? rng.int(1, hold.amount) : undefined;
  hold.action = { kind, ...(amount === undefined ? {} : { amount }), answers: [] };
}

/** One attempt of the payee's capture or void (a retry after an unknown answer is the same request). */
async function act(cluster: Cluster, rng: Prng, users: ChaosUser[], hold: HoldChaosOp, timeoutMs: number): Promise<void> {
  const action = hold.action;
  if (!action || !hold.holdId) return;
  const payee = users[hold.to] as ChaosUser;
  const result = await callApi(cluster.pick(rng).baseUrl, {
    method: 'POST',
    path: `/api/v1/holds/${hold.holdId}/${action.kind}`,
    token: payee.token,
    body: action.kind === 'capture' ? (action.amount === undefined ? {} : { amount: action.amount }) : undefined,
    timeoutMs,
  });
  const txId = (result.body as { transaction?: { id?: string } } | undefined)?.transaction?.id;
  action.answers.push({
    outcome: result.outcome,
    ...(result.status ? { status: result.status } : {}),
    ...(result.code ? { code: result.code } : {}),
    ...(result.error ? { error: result.error } : {}),
    ...(txId ? { txId } : {}),
  });
}

/** The last definite answer to the payee's action, if any. */
export const actionAnswer = (hold: HoldChaosOp): HoldAnswer | undefined => [...(hold.action?.answers ?? [])].reverse().find((a) => a.outcome !== 'unknown');

/**
 * After the load (faults healed): every placement still unknown is sent again with its key until
 * the bank answers; a hold placed then gets its payee's action; every action still unknown is sent
 * again until answered. Only holds left to expire stay pending.
 */
export async function resolveHolds(cluster: Cluster, rng: Prng, users: ChaosUser[], history: History, timeoutMs: number): Promise<void> {
  for (const hold of history.holds) {
    for (let attempt = 1; attempt <= 20 && placementOutcome(hold) === 'unknown'; attempt++) {
      await place(cluster, rng, users, hold, timeoutMs);
      if (placementOutcome(hold) === 'unknown') await sleep(100 * attempt);
    }
    if (placementOutcome(hold) !== 'ok' || hold.leftToExpire) continue;
    if (!hold.action) chooseAction(rng, hold);
    for (let attempt = 1; attempt <= 20 && !actionAnswer(hold); attempt++) {
      await act(cluster, rng, users, hold, timeoutMs);
      if (!actionAnswer(hold)) await sleep(100 * attempt);
    }
  }
}

/** Waits until `pending()` is 0 (the sweeper settled every hold), polling; gives up after `maxWaitMs`. */
export async function waitForHoldsResolved(pending: () => Promise<number>, maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let left = await pending();
  while (left > 0 && Date.now() < deadline) {
    await sleep(500);
    left = await pending();
  }
  return left;
}
