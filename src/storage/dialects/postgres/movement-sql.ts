/**
 * A whole movement on PostgreSQL in one statement: lock both accounts, debit, credit, and append the
 * ledger transaction with its two entries. On PostgreSQL every statement is a round trip, and a
 * round trip is most of what a transfer costs; this one replaces five (locks, debit, credit, the
 * ledger append). SQLite has no round trips and keeps its step-by-step path (dialects/sqlite/).
 *
 * How the data-modifying CTE keeps the guarantees of the step-by-step path:
 * - `locked` takes both row locks in id order (FOR UPDATE below the ORDER BY), so opposite
 *   transfers queue instead of deadlocking. `verdict` aggregates over it, which forces every lock
 *   to be taken, and the debit runs only behind `verdict` (a one-time condition), so both rows are
 *   locked before either is updated.
 * - All sub-statements share one snapshot, taken before the locks were granted, so it may hold an
 *   older balance than the one just locked (a payment that committed while we waited). Nothing is
 *   decided or computed from it: `verdict` computes the overdraft rule (`covers` in
 *   domain/movement-rules.ts, in SQL by `mayOverdraw` below) and both new balances from `locked` (FOR UPDATE returns the newest
 *   version, and our lock keeps it current), and the updates set those values, matching by id
 *   only. With `balance = balance - x` PostgreSQL would compute the new row from the snapshot's
 *   version and check the CHECK constraint on it before noticing the newer version (a false
 *   constraint violation, or a refusal if the balance test were in the WHERE: a WHERE that fails on
 *   the snapshot's version is never re-checked on the newest). READ COMMITTED then applies each
 *   update to the newest (locked) version. The CHECK on user balances still stands behind it all.
 *   The updates also set `held` (issue 14: the sum of pending holds) to its locked value, unchanged,
 *   so the CHECK that balance - held stays >= 0 (migration 010) is tested on the locked values, never
 *   on a snapshot's older `held` beside a new balance. The funds rule is on the available balance.
 * - Every condition of the movement is decided in `verdict` on the locked rows (issue 11 class 6):
 *   both accounts open (`closed_at is null`: a close that committed while we waited is seen, issue
 *   14 item 1) and `active` (a freeze that committed while we waited for its lock is seen), one
 *   currency, both new balances within the bound on stored amounts (`within_bounds`, issue 11 class
 *   5, MAX_BALANCE_MINOR in money.ts) and the payer's funds (`covered`). Bounds are compared against
 *   constants moved by the amount, and a new balance is only computed for a row within them, so no
 *   stored value can make the statement raise an out-of-range error. The facts come back, and
 *   movement-rules' `refusalOf` names the refusal, by the same rule as for SQLite.
 * - The credit runs only if the debit returned a row, and the ledger rows only if the credit did:
 *   a refusal writes nothing. No row is updated twice (the payer must differ from the payee; the
 *   statement checks it too, as PostgreSQL would otherwise apply only one of two updates).
 */
import { sql } from 'kysely';
import { MAX_BALANCE_MINOR } from '../../../domain/money.js';
import { approves, KINDS_THAT_MAY_OVERDRAW, type MovementFacts } from '../../../domain/movement-rules.js';
import { legsOf, type MovementLine } from '../../journal-writer.js';
import { preparedQuery } from '../../prepared-query.js';
import type { Trx } from '../../storage.js';
import { transactionRow, type NewLedgerTransaction, type TransactionValues } from '../../repositories/ledger-repository.js';

export interface StatementOutcome {
  facts: MovementFacts;
  /** New balances, present only when the movement was written (every fact true). */
  balances?: { from: bigint; to: bigint };
}

type Values = TransactionValues & { from: string; to: string; amount: bigint };

interface Row {
  found: boolean;
  open: boolean;
  active: boolean;
  same_currency: boolean;
  within_bounds: boolean;
  covered: boolean;
  from_balance: bigint | null;
  to_balance: bigint | null;
  entries: bigint;
}

const MAX_SQL = sql.raw(`${MAX_BALANCE_MINOR}`);
/** The overdraft rule's kinds (movement-rules.ts) as an SQL list of literals: the statement evaluates `covers` on the locked row. */
const mayOverdraw = sql.join(KINDS_THAT_MAY_OVERDRAW.map((kind) => sql.lit(kind)));

const movement = preparedQuery<Values, Row>((db, p) => {
  const from = sql`${p('from')}::text`;
  const to = sql`${p('to')}::text`;
  const amount = sql`${p('amount')}::bigint`;
  const createdAt = sql`${p('createdAt')}::bigint`;
  const query = sql<Row>`
    with locked as materialized (
      select id, kind, balance, held, status, currency, closed_at from accounts where id in (${from}, ${to}) order by id for update
    ),
    bounded as materialized (
      select locked.*,
             case when id = ${from} then balance between -${MAX_SQL} + ${amount} and ${MAX_SQL} + ${amount}
                  else balance between -${MAX_SQL} - ${amount} and ${MAX_SQL} - ${amount} end as in_bounds
      from locked
    ),
    verdict as materialized (
      select count(*) = 2 and ${from} <> ${to} as found,
             coalesce(bool_and(closed_at is null), false) as open,
             coalesce(bool_and(status = 'active'), false) as active,
             count(distinct currency) = 1 as same_currency,
             coalesce(bool_and(in_bounds), false) as within_bounds,
             coalesce(bool_or(id = ${from} and (kind in (${mayOverdraw}) or balance - held >= ${amount})), false) as covered,
             max(balance - ${amount}) filter (where id = ${from} and in_bounds) as from_after,
             max(balance + ${amount}) filter (where id = ${to} and in_bounds) as to_after
      from bounded
    ),
    debited as (
      update accounts set balance = (select from_after from verdict), held = (select held from locked where id = ${from})
      where id = ${from} and (select found and open and active and same_currency and within_bounds and covered from verdict)
      returning balance
    ),
    credited as (
      update accounts set balance = (select to_after from verdict), held = (select held from locked where id = ${to})
      where id = ${to} and exists (select 1 from debited)
      returning balance
    ),
    txn as (
      insert into ledger_transactions (id, type, memo, actor_user_id, actor_token_id, actor_session_id, created_at, reversal_of, notices_after_commit)
      select ${p('id')}::text, ${p('type')}::text, ${p('memo')}::text, ${p('actorUserId')}::text, ${p('actorTokenId')}::text, ${p('actorSessionId')}::text, ${createdAt},
             ${p('reversalOf')}::text, 1
      where exists (select 1 from credited)
      returning seq
    ),
    appended as (
      insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
      select txn.seq, e.account_id, e.amount, e.balance_after, ${createdAt}
      from txn cross join (values
        (${from}, -${amount}, (select balance from debited), 0),
        (${to}, ${amount}, (select balance from credited), 1)
      ) as e(account_id, amount, balance_after, ord)
      order by e.ord
      returning 1
    )
    select v.found, v.open, v.active, v.same_currency, v.within_bounds, v.covered,
           (select balance from debited) as from_balance,
           (select balance from credited) as to_balance,
           (select count(*) from appended) as entries
    from verdict v`;
  return { compile: () => query.compile(db) };
});

/**
 * Applies a two-line journal (the debit first, then the matching credit, as transferJournal builds
 * it): both balances and the ledger transaction with its entries, in one statement, decided on the
 * locked rows. On a refusal (any fact false) nothing was written; the caller names it.
 */
export async function moveInOneStatement(trx: Trx, lines: readonly MovementLine[], txn: NewLedgerTransaction): Promise<StatementOutcome> {
  const { fromId, toId, amountMinor } = legsOf(lines);
  const row = await movement.first(trx, { from: fromId, to: toId, amount: amountMinor, ...transactionRow(txn) });
  if (!row?.found) throw new Error(`movement: accounts ${fromId} and ${toId} not both found`);
  const facts: MovementFacts = { open: row.open, active: row.active, sameCurrency: row.same_currency, withinBounds: row.within_bounds, covered: row.covered };
  if (row.from_balance === null || row.to_balance === null) {
    if (approves(facts)) throw new Error('movement: approved but not written');
    return { facts };
  }
  if (BigInt(row.entries) !== 2n) throw new Error('ledger insert wrote an unexpected number of entries');
  return { facts, balances: { from: BigInt(row.from_balance), to: BigInt(row.to_balance) } };
}
