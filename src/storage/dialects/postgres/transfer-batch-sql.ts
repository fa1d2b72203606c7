/**
 * The current definition of `minibank_transfer_batch`, PostgreSQL's batched transfer path (issue 17
 * item 5; storage/dialects/postgres/transfer-batcher.ts calls it). Migration 019 created the first
 * version; migration 020 added this one beside it (a new signature: an instance of the previous
 * version, during a rolling upgrade, still calls the first), which writes no movement notices (they
 * are written after commit from the sealed ledger: app/write-movement-notices.ts) and marks its
 * ledger transactions `notices_after_commit`. A later change (to movement-rules.ts, say) edits this
 * text and adds a migration that runs it again.
 *
 * For each transfer, in its own `BEGIN ... EXCEPTION` block (a subtransaction: a failure undoes
 * only that transfer's writes), it does what runIdempotent + applyMovement do on the unbatched path:
 * - claims the idempotency key as `claimKey` does (`on conflict do nothing`: a claim held by an
 *   open transaction elsewhere waits for it); a key already there returns that row (`replay`) and
 *   Node decides replay or conflict as `replay()` in app/idempotency.ts does;
 * - first, before any transfer, locks every account the batch names in one id order, so that two
 *   batches (two instances) queue for each other instead of deadlocking;
 * - reads the payer (the user's own account, else `payer_not_found`) and the payee by number (a
 *   user account, else `payee_not_found`), refuses the same account, then locks both rows in id
 *   order and decides on the locked rows by the rules of domain/movement-rules.ts, in SQL built
 *   from its exported constants (KINDS_THAT_MAY_OVERDRAW, MAX_BALANCE_MINOR) as movement-sql.ts does;
 * - when every fact holds: debit, credit, the ledger transaction (its `commit_xid` default is the
 *   top-level transaction's id, as the chain sealer needs) and its two entries, debit first;
 * - stores the raw facts (app/movement-facts.ts) in the idempotency row, tagged `p_format` with
 *   `response_status` `p_status` (Node passes both from their one home, stored-outcome.ts and
 *   movement-facts.ts), and returns the same text, so Node decodes answer and replay alike.
 * Planned without sequential scans (see the function's SET clause). Any error undoes that transfer, claim included (`failed`, with SQLSTATE and message). 40001 and
 * 40P01 are re-raised: the whole call rolls back and Node retries it (transfer-batcher.ts).
 */
import { MAX_BALANCE_MINOR } from '../../../domain/money.js';
import { KINDS_THAT_MAY_OVERDRAW } from '../../../domain/movement-rules.js';

/** SQL string literal of a value written in the code (never of a request's value). */
const lit = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** `create or replace function minibank_transfer_batch(...)`: the whole statement. */
export function transferBatchFunctionSql(): string {
  return `${signatureSql()}${claimAndReadSql()}${decideAndPostSql()}${storeAndEndSql()}
$fn$`;
}

const FORMAT = 'p_format';
const refused = (reason: string) => `jsonb_build_object('format', ${FORMAT}, 'kind', 'refused', 'reason', ${lit(reason)})::text`;

/** The signature, settings and declarations. */
function signatureSql(): string {
  return `
create or replace function minibank_transfer_batch(
  p_user text[], p_key text[], p_hash text[], p_payer text[], p_payee_number text[], p_amount bigint[],
  p_memo text[], p_txn text[], p_at bigint[], p_token text[], p_session text[],
  p_format text, p_status int)
returns table (r_ord int, r_kind text, r_body text, r_status int, r_hash text, r_error_code text, r_error_message text)
language plpgsql
-- Every statement here finds its rows by a key (primary key, unique number, the claim's ctid). A
-- plpgsql statement keeps the plan it was first given on a connection, and a plan made while a table
-- was small or empty (a new bank; idempotency_keys after its first ANALYZE) may read it whole, and
-- goes on reading it whole as it grows until the next ANALYZE: measured, idempotency_keys scanned once
-- per transfer, 1,049 transfers/s falling to 244/s over 12,000 transfers. No sequential scans, then.
set enable_seqscan = off
-- A statement whose only plan is a sequential scan is then costed at 10^10, past jit_above_cost: no
-- JIT compiling (measured at 157 ms for one such insert) for statements that touch a few rows.
set jit = off
as $fn$
declare
  n int := coalesce(array_length(p_user, 1), 0);
  i int;
  amt bigint;
  locked int;
  payer_id text; payer_kind text; payer_user text;
  payee_id text; payee_owner text; payee_number text;
  r record;
  f_kind text; f_bal bigint; f_held bigint; f_status text; f_cur text; f_closed bigint; f_number text; f_name text; f_created bigint;
  t_bal bigint; t_held bigint; t_status text; t_cur text; t_closed bigint;
  v_open boolean; v_active boolean; v_same boolean; v_bounds boolean; v_covered boolean;
  f_after bigint; t_after bigint; v_seq bigint; v_claim tid;`;
}

/** Locks the batch's accounts, then per transfer: claims the key (or reads the replay), reads payer and payee, refuses what it must. */
function claimAndReadSql(): string {
  return `
begin
  -- Every account the batch may move, locked first in one id order: two batches (two instances on one
  -- database) then queue for each other instead of deadlocking, each transfer below locking its pair
  -- in turn while an earlier one held another pair (issue 17 item 5, one against two instances).
  perform 1 from accounts
    where id = any(p_payer) or (number = any(p_payee_number) and kind = 'user')
    order by id for update;
  for i in 1..n loop
    r_ord := i; r_kind := null; r_body := null; r_status := null; r_hash := null; r_error_code := null; r_error_message := null;
    begin
      -- The claim's own row (ctid) is where the outcome is stored below: no second search by key.
      v_claim := null;
      insert into idempotency_keys (user_id, key, request_hash, response_status, response_body, created_at)
        values (p_user[i], p_key[i], p_hash[i], null, null, p_at[i])
        on conflict (user_id, key) do nothing
        returning ctid into v_claim;
      if v_claim is null then
        select k.request_hash, k.response_status, k.response_body into r_hash, r_status, r_body
          from idempotency_keys k where k.user_id = p_user[i] and k.key = p_key[i];
        r_kind := 'replay';
      else
        amt := p_amount[i];
        r_kind := 'refused';
        payer_id := null; payee_id := null;
        select a.id, a.kind, a.user_id into payer_id, payer_kind, payer_user
          from accounts a where a.id = p_payer[i];
        if payer_id is null or payer_kind <> 'user' or payer_user is distinct from p_user[i] then
          r_body := ${refused('payer_not_found')};
        else
          select a.id, a.number, u.username into payee_id, payee_number, payee_owner
            from accounts a left join users u on u.id = a.user_id where a.number = p_payee_number[i] and a.kind = 'user';
          if payee_id is null then
            r_body := ${refused('payee_not_found')};
          elsif payee_id = payer_id then
            r_body := ${refused('same_account')};
          end if;
        end if;`;
}

/** Locks the pair in id order, decides on the locked rows (domain/movement-rules.ts) and posts, or records the refusal's facts. */
function decideAndPostSql(): string {
  const max = `${MAX_BALANCE_MINOR}`;
  const mayOverdraw = KINDS_THAT_MAY_OVERDRAW.map(lit).join(', ');
  const format = FORMAT;
  return `
        if r_body is null then
          -- Both rows locked in id order (as movement-sql.ts), and decided on the locked values.
          locked := 0;
          for r in select id, kind, balance, held, status, currency, closed_at, number, name, created_at
                   from accounts where id in (payer_id, payee_id) order by id for update loop
            locked := locked + 1;
            if r.id = payer_id then
              f_kind := r.kind; f_bal := r.balance; f_held := r.held; f_status := r.status; f_cur := r.currency;
              f_closed := r.closed_at; f_number := r.number; f_name := r.name; f_created := r.created_at;
            else
              t_bal := r.balance; t_held := r.held; t_status := r.status; t_cur := r.currency; t_closed := r.closed_at;
            end if;
          end loop;
          if locked <> 2 then
            raise exception 'movement: accounts % and % not both found', payer_id, payee_id;
          end if;
          v_open := f_closed is null and t_closed is null;
          v_active := f_status = 'active' and t_status = 'active';
          v_same := f_cur = t_cur;
          v_bounds := (f_bal between -${max} + amt and ${max} + amt) and (t_bal between -${max} - amt and ${max} - amt);
          v_covered := f_kind in (${mayOverdraw}) or f_bal - f_held >= amt;
          if v_open and v_active and v_same and v_bounds and v_covered then
            update accounts set balance = f_bal - amt, held = f_held where id = payer_id returning balance into f_after;
            update accounts set balance = t_bal + amt, held = t_held where id = payee_id returning balance into t_after;
            insert into ledger_transactions (id, type, memo, actor_user_id, actor_token_id, actor_session_id, created_at, reversal_of, notices_after_commit)
              values (p_txn[i], 'transfer', p_memo[i], p_user[i], p_token[i], p_session[i], p_at[i], null, 1)
              returning seq into v_seq;
            insert into entries (transaction_seq, account_id, amount, balance_after, created_at)
              values (v_seq, payer_id, -amt, f_after, p_at[i]), (v_seq, payee_id, amt, t_after, p_at[i]);
            r_kind := 'moved';
            r_body := jsonb_build_object('format', ${format}, 'kind', 'moved', 'transactionId', p_txn[i],
              'amountMinor', amt::text, 'memo', p_memo[i], 'createdAtMs', p_at[i]::text,
              'payer', jsonb_build_object('id', payer_id, 'number', f_number, 'currency', f_cur, 'status', f_status,
                'name', f_name, 'createdAtMs', f_created::text, 'balanceMinor', f_after::text, 'heldMinor', f_held::text,
                'closedAtMs', f_closed::text),
              'payee', jsonb_build_object('number', payee_number, 'username', payee_owner))::text;
          else
            r_body := jsonb_build_object('format', ${format}, 'kind', 'refused', 'reason', 'rules',
              'facts', jsonb_build_object('open', v_open, 'active', v_active, 'sameCurrency', v_same,
                'withinBounds', coalesce(v_bounds, false), 'covered', coalesce(v_covered, false)),
              'currencies', jsonb_build_object('from', f_cur, 'to', t_cur))::text;
          end if;
        end if;`;
}

/** Stores the outcome through the claim's row; one failure undoes only its transfer, a conflict the whole call. */
function storeAndEndSql(): string {
  return `
        update idempotency_keys set response_status = p_status, response_body = r_body where ctid = v_claim;
        r_status := p_status;
      end if;
    exception
      when others then
        -- Serialization failures and deadlocks abort the whole call: Node retries it.
        if sqlstate in ('40001', '40P01') then
          raise;
        end if;
        r_kind := 'failed'; r_body := null; r_status := null; r_error_code := sqlstate; r_error_message := sqlerrm;
    end;
    return next;
  end loop;
end`;
}
