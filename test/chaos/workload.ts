/**
 * The clients: each loops until the deadline, doing about 70% transfers between random distinct
 * accounts (random amounts, some above any balance) with a fresh Idempotency-Key each, and 30% reads.
 * An unknown transfer is retried in line a few times with its original key and body; what is still
 * unknown when the load ends is resolved afterwards (see run-chaos.ts).
 */
import { callApi, type ApiRequest } from './api-client.js';
import { runHoldOp } from './hold-workload.js';
import type { ChaosUser, Cluster } from './cluster.js';
import type { Attempt, History, Outcome, Phase, TransferOp } from './history.js';
import type { LoadDeadline } from './nemesis.js';
import type { Prng } from './prng.js';
import { sleep } from './server-process.js';

export interface WorkloadSettings {
  seed: number;
  timeoutMs: number;
  /** Attempts per transfer during the load, the first included. */
  inlineAttempts: number;
  /** Share of operations that are holds (issue 14; 0 or absent: none). */
  holdShare?: number;
  /** Holds left to expire are placed only before this many ms into the load. */
  expireBeforeMs?: number;
}

export function transferRequest(op: TransferOp, users: ChaosUser[], timeoutMs: number): ApiRequest {
  const from = users[op.from] as ChaosUser;
  const to = users[op.to] as ChaosUser;
  return {
    method: 'POST',
    path: '/api/v1/transfers',
    token: from.token,
    idempotencyKey: op.key,
    body: { from_account_id: from.accountId, to: op.toBy === 'username' ? to.username : to.accountNumber, amount: op.amount, memo: op.memo },
    timeoutMs,
  };
}

/** One attempt of a transfer, recorded on the op; returns the attempt. */
export async function attemptTransfer(
  cluster: Cluster,
  rng: Prng,
  history: History,
  users: ChaosUser[],
  op: TransferOp,
  phase: Phase,
  timeoutMs: number,
): Promise<Attempt> {
  const server = cluster.pick(rng);
  const startMs = history.now();
  const result = await callApi(server.baseUrl, transferRequest(op, users, timeoutMs));
  const attempt: Attempt = { phase, instance: server.index, startMs, endMs: history.now(), outcome: result.outcome, replayed: result.replayed };
  if (result.status !== undefined) attempt.status = result.status;
  if (result.code !== undefined) attempt.code = result.code;
  if (result.error !== undefined) attempt.error = result.error;
  if (result.outcome === 'ok') {
    const body = result.body as { transaction?: { id?: string; balance_after?: unknown }; account?: { balance?: unknown } };
    if (body?.transaction?.id) attempt.txId = body.transaction.id;
    history.seeBalance(op.id, op.from, body?.transaction?.balance_after, `${phase} transfer response transaction.balance_after`);
    history.seeBalance(op.id, op.from, body?.account?.balance, `${phase} transfer response account.balance`);
  }
  op.attempts.push(attempt);
  history.count(attempt);
  // A replay re-asks a settled transfer; the checker compares its answer with the settled one.
  if (attempt.outcome !== 'unknown' && phase !== 'replay') {
    op.final = attempt.outcome;
    if (attempt.txId) op.txId = attempt.txId;
    if (attempt.code) op.code = attempt.code;
  }
  return attempt;
}

export async function runClient(
  client: number,
  rng: Prng,
  cluster: Cluster,
  users: ChaosUser[],
  history: History,
  settings: WorkloadSettings,
  deadline: LoadDeadline,
): Promise<void> {
  for (let n = 0; !deadline.over(); n++) {
    const opId = `c${client}-${n}`;
    if (settings.holdShare && rng.chance(settings.holdShare)) {
      // Holds (issue 14): left to expire only in the load's first part, so the final wait for expiry stays short.
      const mayExpire = history.now() < (settings.expireBeforeMs ?? 0);
      await runHoldOp(cluster, rng, users, history, {
        id: opId,
        seed: settings.seed,
        timeoutMs: settings.timeoutMs,
        inlineAttempts: settings.inlineAttempts,
        mayExpire,
      });
    } else if (rng.chance(0.7)) {
      const from = rng.int(0, users.length - 1);
      let to = rng.int(0, users.length - 2);
      if (to >= from) to++;
      const op: TransferOp = {
        id: opId,
        kind: 'transfer',
        client,
        from,
        to,
        toBy: rng.chance(0.5) ? 'username' : 'number',
        // Mostly small amounts, one in five large enough to overdraw most accounts.
        amount: rng.chance(0.2) ? rng.int(20_000, 200_000) : rng.int(1, 5_000),
        key: `chaos-${settings.seed}-${opId}-${rng.text(10)}`,
        memo: `chaos ${opId}`,
        attempts: [],
        loadOutcome: 'unknown',
        final: 'unknown',
      };
      history.transfers.push(op);
      for (let i = 0; i < settings.inlineAttempts; i++) {
        const attempt = await attemptTransfer(cluster, rng, history, users, op, 'load', settings.timeoutMs);
        if (attempt.outcome !== 'unknown') break;
        if (deadline.over()) break;
        await sleep(rng.int(50, 400));
      }
      op.loadOutcome = op.final;
      // Like a real client, back off after a failure to get an answer rather than spin on a dead server.
      if (op.final === 'unknown') await sleep(rng.int(100, 500));
    } else {
      const outcome = await read(client, opId, rng, cluster, users, history, settings.timeoutMs);
      if (outcome === 'unknown') await sleep(rng.int(100, 500));
    }
  }
}

async function read(client: number, opId: string, rng: Prng, cluster: Cluster, users: ChaosUser[], history: History, timeoutMs: number): Promise<Outcome> {
  const userIndex = rng.int(0, users.length - 1);
  const user = users[userIndex] as ChaosUser;
  const kind = rng.chance(0.5) ? 'me' : 'transactions';
  const server = cluster.pick(rng);
  const startMs = history.now();
  const path = kind === 'me' ? '/api/v1/me' : `/api/v1/accounts/${user.accountId}/transactions?limit=${rng.int(1, 50)}`;
  const result = await callApi(server.baseUrl, { method: 'GET', path, token: user.token, timeoutMs });
  const attempt: Attempt = { phase: 'load', instance: server.index, startMs, endMs: history.now(), outcome: result.outcome };
  if (result.status !== undefined) attempt.status = result.status;
  if (result.code !== undefined) attempt.code = result.code;
  if (result.error !== undefined) attempt.error = result.error;
  history.reads.push({ id: opId, kind, client, user: userIndex, attempt });
  history.count(attempt);
  if (result.outcome !== 'ok') return result.outcome;
  if (kind === 'me') {
    const accounts = (result.body as { accounts?: { balance?: unknown }[] })?.accounts ?? [];
    for (const account of accounts) history.seeBalance(opId, userIndex, account.balance, 'GET /me accounts[].balance');
  } else {
    const data = (result.body as { data?: { balance_after?: unknown }[] })?.data ?? [];
    for (const tx of data) history.seeBalance(opId, userIndex, tx.balance_after, 'GET transactions data[].balance_after');
  }
  return 'ok';
}
