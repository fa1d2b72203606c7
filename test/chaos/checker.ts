/**
 * The checker: after the load has stopped and every unknown transfer has been resolved, it judges
 * the stored books against what the clients were told. Every finding names the check and the
 * operations behind it. It reads the tables directly (read-only), which the public API cannot do.
 */
import { sql, type RawBuilder } from 'kysely';
import { readStoredOutcome } from '../../src/app/stored-outcome.js';
import { errorStatus } from '../../src/http/error-status.js';
import { sealChain } from '../../src/app/seal-chain.js';
import { verifyChain } from '../../src/app/verify-chain.js';
import type { Storage } from '../../src/storage/storage.js';
import type { ChaosUser } from './cluster.js';
import type { History, TransferOp } from './history.js';
import { checkHolds } from './hold-checker.js';

export interface Violation {
  check: string;
  message: string;
  ops: string[];
}

export interface TotalSample {
  atMs: number;
  total: number | null;
}

export interface CheckInput {
  storage: Storage;
  history: History;
  users: ChaosUser[];
  initialTotal: number;
  samples: TotalSample[];
  verify: { exitCode: number | null; output: string };
  unexpectedExits: { instance: number; atMs: number; code: number | null; signal: string | null }[];
  /** SIGTERMs that did not end in exit 0 within the grace period (the contract's graceful shutdown). */
  unclean?: { instance: number; atMs: number; how: string }[];
}

export interface CheckResult {
  violations: Violation[];
  finalTotal: number;
  ledgerTransactions: number;
  checks: string[];
}

interface LedgerTx {
  seq: bigint;
  id: string;
  type: string;
  memo: string | null;
  entries: { seq: bigint; accountId: string; amount: bigint; balanceAfter: bigint }[];
}

const big = (v: unknown): bigint => BigInt(String(v));

export const CHECKS = [
  'total',
  'total-over-time',
  'verify',
  'acknowledged-exactly-once',
  'definite-failure-absent',
  'retried-at-most-once',
  'unresolved',
  'unexplained-transaction',
  'idempotency-record',
  'replay-consistent',
  'negative-read',
  'replay',
  'integrity',
  'unexpected-response',
  'server-crash',
  'graceful-shutdown',
  'chain',
  'holds',
] as const;

export async function check(input: CheckInput): Promise<CheckResult> {
  const violations: Violation[] = [];
  const add = (check: (typeof CHECKS)[number], message: string, ops: string[] = []) => violations.push({ check, message, ops });
  const db = input.storage.db;
  const { history, users } = input;
  const userByAccount = new Map(users.map((u) => [u.accountId, u]));

  // 1. Money is neither created nor destroyed: now, and in every snapshot taken during the load.
  const accounts = await db.selectFrom('accounts').select(['id', 'kind', 'balance']).execute();
  const userAccounts = accounts.filter((a) => a.kind === 'user');
  const finalTotal = Number(userAccounts.reduce((sum, a) => sum + big(a.balance), 0n));
  if (finalTotal !== input.initialTotal) add('total', `user balances sum to ${finalTotal}, but ${input.initialTotal} was deposited`);
  for (const sample of input.samples) {
    if (sample.total !== null && sample.total !== input.initialTotal) {
      add('total-over-time', `at ${(sample.atMs / 1000).toFixed(2)} s the committed user balances summed to ${sample.total}, not ${input.initialTotal}`);
    }
  }

  // 2. The ledger's own audit, run as the CLI runs it.
  if (input.verify.exitCode !== 0) add('verify', `minibank verify exited ${input.verify.exitCode}: ${input.verify.output.trim()}`);

  // 3. The ledger against the history, matched by memo (op id), transaction id and idempotency key.
  const ledger = await loadLedger(input.storage);
  const byMemo = new Map<string, LedgerTx[]>();
  for (const tx of ledger) {
    const list = byMemo.get(tx.memo ?? '') ?? [];
    list.push(tx);
    byMemo.set(tx.memo ?? '', list);
  }
  const known = new Set<string>();
  for (const user of users) known.add(`chaos setup ${user.index}`);
  // Holds (issue 14): each resolved exactly once; a capture is a transfer carrying the hold's memo.
  const holds = await checkHolds(input.storage, history.holds, users, ledger);
  for (const memo of holds.memos) known.add(memo);
  for (const f of holds.findings) add('holds', f.message, f.ops);
  for (const op of history.transfers) {
    known.add(op.memo);
    const found = byMemo.get(op.memo) ?? [];
    const okAttempts = op.attempts.filter((a) => a.phase !== 'replay' && a.outcome === 'ok');
    const failAttempts = op.attempts.filter((a) => a.phase !== 'replay' && a.outcome === 'fail');
    const retried = op.attempts.filter((a) => a.phase !== 'replay').length > 1;
    if (okAttempts.length > 0 && failAttempts.length > 0) {
      add(
        'replay-consistent',
        `${op.id} was answered both ${okAttempts[0]?.status} and ${failAttempts[0]?.status} ${failAttempts[0]?.code ?? ''} for the same key`,
        [op.id],
      );
    }
    if (found.length > 1) {
      add(
        retried ? 'retried-at-most-once' : 'acknowledged-exactly-once',
        `${op.id} is in the ledger ${found.length} times (${found.map((t) => t.id).join(', ')})`,
        [op.id],
      );
    }
    if (okAttempts.length > 0) {
      const ids = new Set(okAttempts.map((a) => a.txId));
      if (ids.size !== 1) add('acknowledged-exactly-once', `${op.id} was acknowledged with different transaction ids: ${[...ids].join(', ')}`, [op.id]);
      if (found.length === 0)
        add(
          'acknowledged-exactly-once',
          `${op.id} was acknowledged (201, transaction ${op.txId}) but is not in the ledger: an acknowledged transfer was lost`,
          [op.id],
        );
      else if (found.length === 1) {
        const tx = found[0] as LedgerTx;
        if (!ids.has(tx.id)) add('acknowledged-exactly-once', `${op.id} was acknowledged as ${op.txId} but the ledger holds it as ${tx.id}`, [op.id]);
        const problem = entriesProblem(tx, op, users);
        if (problem) add('acknowledged-exactly-once', `${op.id}: ${problem}`, [op.id]);
      }
    } else if (op.final === 'fail' && found.length > 0) {
      add(
        'definite-failure-absent',
        `${op.id} was refused (${op.attempts.find((a) => a.outcome === 'fail')?.status} ${op.code}) but moved money as ${found[0]?.id}`,
        [op.id],
      );
    }
    if (op.final === 'unknown') add('unresolved', `${op.id} never got a definite answer, even after ${op.attempts.length} attempts`, [op.id]);
  }
  for (const tx of ledger) {
    if (!known.has(tx.memo ?? ''))
      add('unexplained-transaction', `ledger transaction ${tx.id} (${tx.type}, memo ${JSON.stringify(tx.memo)}) matches no operation`);
  }

  // 4. The idempotency record of each key says what the client was finally told.
  const keyRows = await db.selectFrom('idempotency_keys').select(['user_id', 'key', 'response_status', 'response_body']).execute();
  const keyIndex = new Map(keyRows.map((r) => [`${r.user_id}\n${r.key}`, r]));
  for (const row of keyRows) {
    if (row.response_status === null)
      add('idempotency-record', `idempotency key ${row.key} is committed with no stored response (a claim that outlived its request)`);
  }
  for (const op of history.transfers) {
    if (op.final === 'unknown') continue;
    const row = keyIndex.get(`${users[op.from]?.userId}\n${op.key}`);
    const lastDefinite = [...op.attempts].reverse().find((a) => a.phase !== 'replay' && a.outcome !== 'unknown');
    if (!row) {
      add('idempotency-record', `${op.id} got a definite ${lastDefinite?.status} but its key is not stored: a retry would run it again`, [op.id]);
      continue;
    }
    if (row.response_status === null || row.response_body === null) continue;
    // The row holds a typed outcome (src/app/stored-outcome.ts): the status it stands for is the one
    // the API renders for it, 201 for a movement and the error table's status for a refusal.
    const stored = readStoredOutcome({ status: Number(row.response_status), body: row.response_body });
    const storedStatus = stored.kind === 'moved' ? 201 : errorStatus[stored.code];
    if (storedStatus !== lastDefinite?.status) {
      add('idempotency-record', `${op.id}: key stores an outcome answered ${storedStatus}, the client got ${lastDefinite?.status}`, [op.id]);
    }
    if (op.final === 'ok') {
      const storedId = stored.kind === 'moved' ? stored.transaction.id : undefined;
      if (storedId !== op.txId) add('idempotency-record', `${op.id}: key stores transaction ${storedId}, the client got ${op.txId}`, [op.id]);
    }
  }

  // 5. The final replay of every definite transfer with its key returned the same answer and moved nothing.
  for (const op of history.transfers) {
    if (op.final === 'unknown') continue;
    const replays = op.attempts.filter((x) => x.phase === 'replay');
    if (replays.length > 0 && replays.every((a) => a.outcome === 'unknown')) {
      add('unresolved', `${op.id}: the final retry with its key never got an answer (${replays.length} attempts)`, [op.id]);
    }
    // Only answers count: a replay that timed out says nothing about the bank.
    for (const a of replays.filter((x) => x.outcome !== 'unknown')) {
      const same = a.outcome === op.final && (op.final === 'ok' ? a.txId === op.txId : a.code === op.code);
      if (!same)
        add(
          'replay-consistent',
          `${op.id}: a retry with the original key answered ${a.status ?? a.error} ${a.code ?? a.txId ?? ''}, first answer was ${op.final} ${op.code ?? op.txId}`,
          [op.id],
        );
      else if (!a.replayed) add('replay-consistent', `${op.id}: a retry with the original key was answered without Idempotent-Replayed: true`, [op.id]);
    }
  }

  // 6. No client ever saw a negative balance.
  for (const read of history.negativeReads) add('negative-read', `${read.opId} saw ${read.value} in ${read.where} for user ${read.user}`, [read.opId]);

  // 7. Replaying the acknowledged transfers from the initial balances gives every final balance, and
  // every stored running balance along the way.
  const expected = new Map<string, bigint>(users.map((u) => [u.accountId, BigInt(u.initial)]));
  for (const op of history.transfers) {
    if (op.final !== 'ok') continue;
    const from = users[op.from] as ChaosUser;
    const to = users[op.to] as ChaosUser;
    expected.set(from.accountId, (expected.get(from.accountId) ?? 0n) - BigInt(op.amount));
    expected.set(to.accountId, (expected.get(to.accountId) ?? 0n) + BigInt(op.amount));
  }
  for (const [accountId, delta] of holds.deltas) expected.set(accountId, (expected.get(accountId) ?? 0n) + delta);
  for (const account of userAccounts) {
    const user = userByAccount.get(account.id);
    if (!user) continue;
    const want = expected.get(account.id) ?? 0n;
    if (big(account.balance) !== want)
      add('replay', `${user.username}: replaying acknowledged transfers gives ${want}, the account holds ${big(account.balance)}`);
  }
  const running = new Map<string, bigint>();
  const entries = ledger
    .flatMap((tx) => tx.entries.map((e) => ({ ...e, txId: tx.id, memo: tx.memo })))
    .sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  for (const entry of entries) {
    const balance = (running.get(entry.accountId) ?? 0n) + entry.amount;
    running.set(entry.accountId, balance);
    if (balance !== entry.balanceAfter) {
      add(
        'replay',
        `entry ${entry.seq} of ${entry.txId} on account ${entry.accountId} says balance ${entry.balanceAfter}, the entries before it sum to ${balance}`,
        opOfMemo(entry.memo),
      );
    }
    if (userByAccount.has(entry.accountId) && balance < 0n)
      add('replay', `account ${entry.accountId} went negative (${balance}) at ${entry.txId}`, opOfMemo(entry.memo));
  }

  // 8. The storage itself is sound.
  for (const problem of await integrityProblems(input.storage)) add('integrity', problem);

  // 8b. The hash chain (issue 16): a sealer started after the kills continues where theirs stopped;
  // then every transaction is sealed exactly once (unique positions, none left) and the chain recomputes.
  await sealChain({ storage: input.storage, clock: { nowMs: () => Date.now() }, faults: {} });
  const chain = await verifyChain(db);
  for (const problem of chain.problems) add('chain', problem);
  if (chain.unsealed !== 0n) add('chain', `${chain.unsealed} ledger transaction(s) still unsealed after a sealing round`);

  // 9. Nothing but the expected refusals: any other 4xx means the harness or the server is wrong.
  const unexpected = new Map<string, string[]>();
  for (const op of history.transfers) {
    for (const a of op.attempts) {
      if (a.outcome === 'fail' && a.code !== 'insufficient_funds')
        unexpected.set(`transfer ${a.status} ${a.code}`, [...(unexpected.get(`transfer ${a.status} ${a.code}`) ?? []), op.id]);
    }
  }
  for (const read of history.reads) {
    if (read.attempt.outcome === 'fail')
      unexpected.set(`${read.kind} ${read.attempt.status} ${read.attempt.code}`, [
        ...(unexpected.get(`${read.kind} ${read.attempt.status} ${read.attempt.code}`) ?? []),
        read.id,
      ]);
  }
  for (const [what, ops] of unexpected) add('unexpected-response', `${ops.length} × ${what}`, ops.slice(0, 20));

  for (const exit of input.unexpectedExits) {
    add(
      'server-crash',
      `instance ${exit.instance} exited on its own at ${(exit.atMs / 1000).toFixed(2)} s (code ${exit.code}, signal ${exit.signal}); see its log`,
    );
  }

  for (const u of input.unclean ?? []) {
    add(
      'graceful-shutdown',
      `SIGTERM to ${u.instance >= 0 ? `instance ${u.instance}` : 'a server'} at ${(u.atMs / 1000).toFixed(2)} s did not end in a clean exit 0: ${u.how}`,
    );
  }

  return { violations, finalTotal, ledgerTransactions: ledger.length, checks: [...CHECKS] };
}

function opOfMemo(memo: string | null): string[] {
  const match = /^chaos (c\d+-\d+)$/.exec(memo ?? '');
  return match ? [match[1] as string] : [];
}

function entriesProblem(tx: LedgerTx, op: TransferOp, users: ChaosUser[]): string | undefined {
  const from = users[op.from] as ChaosUser;
  const to = users[op.to] as ChaosUser;
  if (tx.type !== 'transfer') return `stored as a ${tx.type}`;
  const debit = tx.entries.find((e) => e.accountId === from.accountId);
  const credit = tx.entries.find((e) => e.accountId === to.accountId);
  if (tx.entries.length !== 2 || !debit || !credit) return `stored with entries on the wrong accounts`;
  if (debit.amount !== -BigInt(op.amount) || credit.amount !== BigInt(op.amount)) return `stored as ${debit.amount}/${credit.amount}, asked ${op.amount}`;
  return undefined;
}

async function loadLedger(storage: Storage): Promise<LedgerTx[]> {
  const rows = await storage.db
    .selectFrom('ledger_transactions as t')
    .innerJoin('entries as e', 'e.transaction_seq', 't.seq')
    .select([
      't.seq as seq',
      't.id as id',
      't.type as type',
      't.memo as memo',
      'e.seq as entrySeq',
      'e.account_id as accountId',
      'e.amount as amount',
      'e.balance_after as balanceAfter',
    ])
    .orderBy('t.seq')
    .orderBy('e.seq')
    .execute();
  const out: LedgerTx[] = [];
  const bySeq = new Map<string, LedgerTx>();
  for (const r of rows) {
    const key = String(r.seq);
    let tx = bySeq.get(key);
    if (!tx) {
      tx = { seq: big(r.seq), id: r.id, type: r.type, memo: r.memo, entries: [] };
      bySeq.set(key, tx);
      out.push(tx);
    }
    tx.entries.push({ seq: big(r.entrySeq), accountId: r.accountId, amount: big(r.amount), balanceAfter: big(r.balanceAfter) });
  }
  // Transactions without entries are reported by verify; list them here too so they count as unexplained.
  const bare = await storage.db.selectFrom('ledger_transactions').select(['seq', 'id', 'type', 'memo']).execute();
  for (const r of bare) if (!bySeq.has(String(r.seq))) out.push({ seq: big(r.seq), id: r.id, type: r.type, memo: r.memo, entries: [] });
  return out;
}

/** SQLite: integrity_check and foreign_key_check. PostgreSQL: rows whose parent is gone. */
export async function integrityProblems(storage: Storage): Promise<string[]> {
  const problems: string[] = [];
  const db = storage.db;
  if (storage.dialect === 'sqlite') {
    const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
    const lines = integrity.rows.map((r) => r.integrity_check);
    if (lines.length !== 1 || lines[0] !== 'ok') problems.push(`PRAGMA integrity_check: ${lines.join('; ')}`);
    const fk = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(db);
    for (const row of fk.rows) problems.push(`PRAGMA foreign_key_check: a row of ${row.table} points at a missing ${row.parent}`);
  }
  const orphanQueries: [string, RawBuilder<{ n: unknown }>][] = [
    [
      'entries without their transaction',
      sql`select count(*) as n from entries e where not exists (select 1 from ledger_transactions t where t.seq = e.transaction_seq)`,
    ],
    ['entries on a missing account', sql`select count(*) as n from entries e where not exists (select 1 from accounts a where a.id = e.account_id)`],
    [
      'transactions without entries',
      sql`select count(*) as n from ledger_transactions t where not exists (select 1 from entries e where e.transaction_seq = t.seq)`,
    ],
    [
      'transactions by a missing user',
      sql`select count(*) as n from ledger_transactions t where t.actor_user_id is not null and not exists (select 1 from users u where u.id = t.actor_user_id)`,
    ],
    [
      'accounts of a missing user',
      sql`select count(*) as n from accounts a where a.user_id is not null and not exists (select 1 from users u where u.id = a.user_id)`,
    ],
    ['users without an account', sql`select count(*) as n from users u where not exists (select 1 from accounts a where a.user_id = u.id)`],
    ['idempotency keys of a missing user', sql`select count(*) as n from idempotency_keys k where not exists (select 1 from users u where u.id = k.user_id)`],
    ['tokens of a missing user', sql`select count(*) as n from api_tokens k where not exists (select 1 from users u where u.id = k.user_id)`],
  ];
  for (const [what, query] of orphanQueries) {
    const n = Number(big((await query.execute(db)).rows[0]?.n ?? 0));
    if (n > 0) problems.push(`${n} ${what}`);
  }
  return problems;
}
