/**
 * PostgreSQL: a whole chain sealing round in the database (issue 16, the cost target: sealing under
 * 5 % of a transfer). `minibank_seal_round(p_limit, p_sealed_at)` does in one call what Node did with
 * a JSON read, a parse, BigInts, the encoder, SHA-256 and a JSON write per round:
 * - takes the sealer's advisory lock (`pg_try_advisory_xact_lock`, the key "minibank" in ASCII);
 *   when another sealer holds it, returns busy and seals nothing;
 * - reads the horizon (`pg_snapshot_xmin`), the chain's head and at most `p_limit` candidates by
 *   exactly the rules the TypeScript round had (docs/ledger.md "Sealing", dialects/postgres/chain-sql.ts):
 *   `commit_xid >=` the head's horizon when it has one, visible, not yet in the chain, by seq;
 * - builds each candidate's link as chain encoding version 1 (domain/chain-encoding.ts, docs/ledger.md
 *   "The chain") byte for byte: `convert_to(.., 'UTF8')` for strings, `int4send`/`int8send` for
 *   big-endian integers, entries ordered by the UTF-8 bytes of `account_id` (bytea compares bytewise),
 *   then amount, then balance_after; the extensions the TypeScript side builds (today `reversal_of`,
 *   left out when null or empty, as chain-seal-repository.ts does), ordered by name bytes;
 * - hashes with the built-in `sha256()` (PostgreSQL 11+; no pgcrypto) and appends the chain rows,
 *   each with the round's horizon (the head's when the batch was full, as before);
 * - returns (sealed, more, busy). The caller commits; a round rolled back leaves nothing behind.
 * `minibank_chain_has_unsealed()` answers the idle tick's question ("would a round find anything?")
 * with the same window.
 *
 * Both are planned afresh on every call (`plan_cache_mode = force_custom_plan`). A plpgsql statement
 * otherwise switches to a generic plan after five calls, and the generic plan cannot know the
 * horizon: it guessed a third of the ledger inside the window and anti-joined it against the whole
 * chain with a hash (a sequential scan of `ledger_chain` per round, measured growing with the chain).
 * Knowing the horizon, the planner probes the chain's index for the few transactions in the window.
 * Even so it misjudged the window on a growing ledger (xid8 has no statistics to estimate a range
 * with) and still hash-joined against a sequential scan of the whole chain, a cost that grows with
 * the chain; so both functions also run without sequential scans, hash or merge joins: the window
 * is read through the `commit_xid` index and each candidate probes the chain's `transaction_seq`
 * index, whatever the estimates say. And without JIT: a plan penalised that way can cost past
 * jit_above_cost, and compiling (about 150 ms measured) would dwarf a round.
 *
 * `minibank verify` still recomputes every link in TypeScript (app/verify-chain.ts), so each link
 * sealed here is checked by an independent implementation of the documented encoding.
 *
 * Frozen at version 1: a new encoding version needs a migration that replaces this function.
 * SQLite: nothing (the TypeScript round has no round trips to save there).
 */
import { sql, type Kysely } from 'kysely';
import { indexOnlyPlansForFunction } from '../dialects/postgres/index-only-plans.js';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql.raw(functionSql()).execute(db);
  await sql.raw(hasUnsealedSql()).execute(db);
}

/** The UTF-8 bytes of a text expression. */
const utf8 = (e: string): string => `convert_to(${e}, 'UTF8')`;
/** Encoding `str`: u32 byte length, then the UTF-8 bytes. */
const str = (e: string): string => `(int4send(octet_length(${utf8(e)})) || ${utf8(e)})`;
/** Encoding `opt`: 0x00 for null, else 0x01 and a `str`. */
const opt = (e: string): string => `(case when ${e} is null then '\\x00'::bytea else '\\x01'::bytea || ${str(e)} end)`;

/**
 * Everything of a link after the position (id to the extensions), for the candidate row `c`. The
 * first 48 bytes (magic, version, previous hash, position) depend on the chain and are put in front
 * in the loop.
 */
function linkBody(): string {
  const entries = `(select int4send(count(*)::int) || coalesce(string_agg(${str('e.account_id')} || int8send(e.amount) || int8send(e.balance_after), ''::bytea
        order by ${utf8('e.account_id')}, e.amount, e.balance_after), ''::bytea)
      from entries e where e.transaction_seq = c.seq)`;
  // The same extensions as chainedTransactions builds; it leaves a value out when it is falsy in
  // JavaScript (null or ''), so '' is left out here too. Add a column as one more row of the list.
  const extensions = `(select int4send(count(*)::int) || coalesce(string_agg(${str('x.name')} || ${str('x.value')}, ''::bytea
        order by ${utf8('x.name')}), ''::bytea)
      from (values ('reversal_of', c.reversal_of)) as x(name, value) where x.value <> '')`;
  return [
    str('c.id'),
    str('c.type'),
    opt('c.memo'),
    'int8send(c.created_at)',
    opt('c.actor_user_id'),
    opt('c.actor_token_id'),
    opt('c.actor_session_id'),
    entries,
    extensions,
  ].join('\n      || ');
}

/** The candidates query (into the round's arrays) with `window` as the commit_xid condition. */
function candidates(window: string): string {
  return `select array_agg(c.seq order by c.seq), array_agg(c.id order by c.seq), array_agg(${linkBody()} order by c.seq)
      into v_seqs, v_ids, v_bodies
      from (select t.seq, t.id, t.type, t.memo, t.created_at, t.actor_user_id, t.actor_token_id, t.actor_session_id, t.reversal_of
            from ledger_transactions t
            where ${window} and not exists (select 1 from ledger_chain h where h.transaction_seq = t.seq)
            order by t.seq limit p_limit) c;`;
}

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
  v_bodies bytea[];
  v_hashes text[] := '{}';
  v_previous bytea;
  v_more boolean;
  n int;
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
    v_previous := sha256(${magicAndVersion} || v_previous || int8send(v_head_position + i) || v_bodies[i]);
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

/** True when a round would find something: visible, unsealed, at or after the head's horizon (0 without one). */
function hasUnsealedSql(): string {
  return `
create or replace function minibank_chain_has_unsealed()
returns boolean
language plpgsql
${indexOnlyPlansForFunction()}
as $fn$
declare
  v_head_horizon bigint;
begin
  -- Read first, so the query below is planned knowing it (see the header).
  select horizon into v_head_horizon from ledger_chain order by position desc limit 1;
  return exists (
    select 1 from ledger_transactions t
    where t.commit_xid >= coalesce(v_head_horizon, 0)::text::xid8
      and not exists (select 1 from ledger_chain c where c.transaction_seq = t.seq));
end
$fn$`;
}
