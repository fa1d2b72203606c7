/**
 * PostgreSQL: a leaner `minibank_seal_round` (issue 16, the cost target: sealing under 5 % of a
 * transfer). The same round as migration 021 (the same lock, horizon, window, candidates, encoding
 * version 1 byte for byte, rows and results); what changed is only how much work each link takes:
 * - every text column is converted to its UTF-8 bytes once (`convert_to`, which looks the encoding up
 *   and validates the string on every call), where 021 converted each string twice (for its length,
 *   then its bytes) and an entry's account id three times (also to sort by);
 * - the round's arrays are built in the candidates' order, seq (the subquery's `order by ... limit`),
 *   instead of each array aggregate sorting its own input again; the hash loop refuses a round whose
 *   seqs do not ascend, so a change in PostgreSQL's behaviour could stop sealing, never mis-order it;
 * - a transaction's entries are read for the whole round at once (`= any` of its seqs, through the
 *   `entries_transaction` index), sorted once by seq and the encoding's entry order, and aggregated
 *   per transaction in that order, instead of one sub-query and one sort per transaction;
 * - the extensions (today only `reversal_of`) are built without a sub-query.
 * Measured on a backlog of 5,000 transfers: docs/performance.md "Round 2, fifth session".
 *
 * `minibank verify` still recomputes every link in TypeScript (app/verify-chain.ts), and
 * test/integration/chain-seal-in-database.test.ts compares each link with the TypeScript encoder.
 * `minibank_chain_has_unsealed` is unchanged. SQLite: nothing.
 */
import { sql, type Kysely } from 'kysely';
import { indexOnlyPlansForFunction } from '../dialects/postgres/index-only-plans.js';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql.raw(functionSql()).execute(db);
}

/** Encoding `str` of a bytea expression already in UTF-8: u32 byte length, then the bytes. */
const str = (b: string): string => `int4send(octet_length(${b})) || ${b}`;
/** Encoding `opt`: 0x00 for null, else 0x01 and a `str`. */
const opt = (b: string): string => `(case when ${b} is null then '\\x00'::bytea else '\\x01'::bytea || ${str(b)} end)`;
const hex = (bytes: Buffer): string => `'\\x${bytes.toString('hex')}'::bytea`;
/** One extension present: u32 count 1, then `str('reversal_of')`; the value's `str` follows. */
const REVERSAL_OF_PREFIX = hex(Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 11]), Buffer.from('reversal_of', 'utf8')]));

/** The link's bytes from the id to the actors (everything before the entries), for the candidate row `c`. */
const linkHead = (): string =>
  [str('c.id_b'), str('c.type_b'), opt('c.memo_b'), 'int8send(c.created_at)', opt('c.user_b'), opt('c.token_b'), opt('c.session_b')].join(' || ');

/**
 * The extensions as chainedTransactions builds them: a value that is falsy in JavaScript (null or
 * '') is left out, so an empty `reversal_of` counts as none (as in 021).
 */
const linkExtensions = (): string =>
  `case when c.reversal_b is null or c.reversal_b = ''::bytea then '\\x00000000'::bytea else ${REVERSAL_OF_PREFIX} || ${str('c.reversal_b')} end`;

/** The candidates query (into the round's arrays, in seq order) with `window` as the commit_xid condition. */
function candidates(window: string): string {
  const utf8 = (column: string, as: string) => `convert_to(t.${column}, 'UTF8') as ${as}`;
  return `select array_agg(c.seq), array_agg(c.id), array_agg(${linkHead()}), array_agg(${linkExtensions()})
      into v_seqs, v_ids, v_heads, v_extensions
      from (select t.seq, t.id, t.created_at, ${utf8('id', 'id_b')}, ${utf8('type', 'type_b')}, ${utf8('memo', 'memo_b')},
                   ${utf8('actor_user_id', 'user_b')}, ${utf8('actor_token_id', 'token_b')}, ${utf8('actor_session_id', 'session_b')},
                   ${utf8('reversal_of', 'reversal_b')}
            from ledger_transactions t
            where ${window} and not exists (select 1 from ledger_chain h where h.transaction_seq = t.seq)
            order by t.seq limit p_limit) c;`;
}

/**
 * The entries part of each candidate's link (u32 count, then per entry `str(account_id)`, amount,
 * balance_after, ordered by the account id's UTF-8 bytes, then amount, then balance_after), one row
 * per seq in seq order. The aggregate takes its input in the sorted sub-query's order.
 */
const ENTRIES = `select array_agg(x.transaction_seq), array_agg(x.body) into v_entry_seqs, v_entry_bodies
    from (select e.transaction_seq, int4send(count(*)::int) || string_agg(e.piece, ''::bytea) as body
          from (select e.transaction_seq, ${str('e.account_b')} || int8send(e.amount) || int8send(e.balance_after) as piece
                from (select e.transaction_seq, convert_to(e.account_id, 'UTF8') as account_b, e.amount, e.balance_after
                      from entries e where e.transaction_seq = any(v_seqs)) e
                order by e.transaction_seq, e.account_b, e.amount, e.balance_after) e
          group by e.transaction_seq
          order by e.transaction_seq) x;`;

function functionSql(): string {
  // "MBCHAIN" in ASCII and the version byte 0x01: the first 8 bytes of every version-1 link.
  const magicAndVersion = `'\\x4d42434841494e01'::bytea`;
  return `
create or replace function minibank_seal_round(p_limit int, p_sealed_at bigint)
returns table (r_sealed int, r_more boolean, r_busy boolean)
language plpgsql
${indexOnlyPlansForFunction()}
as $fn$
declare
  v_xmin bigint;
  v_head_position bigint;
  v_head_hash text;
  v_head_horizon bigint;
  v_seqs bigint[];
  v_ids text[];
  v_heads bytea[];
  v_extensions bytea[];
  v_entry_seqs bigint[];
  v_entry_bodies bytea[];
  v_entries bytea;
  v_hashes text[] := '{}';
  v_previous bytea;
  v_more boolean;
  n int;
  m int;
  j int := 1;
begin
  -- One sealer per database ("minibank" in ASCII); a busy sealer skips its tick.
  if not pg_try_advisory_xact_lock(7886488577209688683) then
    return query select 0, false, true;
    return;
  end if;
  -- Read before the candidates (each statement below takes a newer snapshot, READ COMMITTED): every
  -- writer older than this has ended, so its rows are visible to them and sealed by this round.
  v_xmin := pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
  select position, hash, horizon into v_head_position, v_head_hash, v_head_horizon
    from ledger_chain order by position desc limit 1;
  -- Two texts rather than an "or": each keeps its own plan (the windowed one an index range).
  if v_head_horizon is null then
    ${candidates('true')}
  else
    ${candidates('t.commit_xid >= v_head_horizon::text::xid8')}
  end if;
  n := coalesce(array_length(v_seqs, 1), 0);
  if n = 0 then
    return query select 0, false, false;
    return;
  end if;
  ${ENTRIES}
  m := coalesce(array_length(v_entry_seqs, 1), 0);
  if v_head_hash is null then
    v_previous := decode(repeat('00', 32), 'hex');
  elsif v_head_hash !~ '^[0-9a-f]{64}$' then
    -- As hashBytes in chain-encoding.ts: a damaged head is reported, never chained from.
    raise exception 'ledger_chain position % holds no SHA-256 hash in lower-case hex', v_head_position;
  else
    v_previous := decode(v_head_hash, 'hex');
  end if;
  v_head_position := coalesce(v_head_position, 0);
  for i in 1..n loop
    -- The arrays follow the candidates' seq order; a round never chains out of it.
    if i > 1 and v_seqs[i] <= v_seqs[i - 1] then
      raise exception 'seal round out of seq order at seq %', v_seqs[i];
    end if;
    -- Both lists ascend by seq: a candidate without entries (none in a balanced ledger) encodes a count of 0.
    if j <= m and v_entry_seqs[j] = v_seqs[i] then
      v_entries := v_entry_bodies[j];
      j := j + 1;
    else
      v_entries := '\\x00000000'::bytea;
    end if;
    v_previous := sha256(${magicAndVersion} || v_previous || int8send(v_head_position + i) || v_heads[i] || v_entries || v_extensions[i]);
    v_hashes[i] := encode(v_previous, 'hex');
  end loop;
  -- A full batch may have left older writers' rows behind: keep the old horizon until one is not full.
  v_more := n >= p_limit;
  insert into ledger_chain (position, transaction_seq, transaction_id, encoding, hash, sealed_at, horizon)
    select v_head_position + k.ord, k.seq, k.id, 1, k.hash, p_sealed_at, case when v_more then v_head_horizon else v_xmin end
    from unnest(v_seqs, v_ids, v_hashes) with ordinality as k(seq, id, hash, ord);
  return query select n, v_more, false;
end
$fn$`;
}
