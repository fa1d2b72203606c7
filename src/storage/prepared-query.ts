/**
 * Queries built with Kysely once and then run many times with new values. Building a Kysely query
 * (an immutable tree, one copy per method call) and compiling it to SQL costs about 20 us of
 * JavaScript per query, more than SQLite takes to run a small indexed statement, and the hot paths
 * (authentication, a transfer's dozen statements) paid it on every request.
 *
 * A prepared query is written with the ordinary builder, using `p('name')` where a value goes. It is
 * compiled on first use for each dialect, with a unique marker object in each value's place; the
 * markers' positions in the compiled parameter list are remembered, and later runs only fill the
 * list in. The SQL text is the builder's own, so it stays parameterised (no value of a call is ever
 * spliced into SQL; on SQLite the query's own constants are, see `compile`) and better-sqlite3's
 * statement cache (statement-cache.ts) sees one text per query.
 *
 * Only queries whose SQL does not depend on the values may be prepared: no `in` lists of varying
 * length, no optional clauses. A value used where the SQL would change with it cannot be a marker.
 */
import { CompiledQuery, SqliteAdapter, type Compilable, type DialectAdapter, type Kysely } from 'kysely';
import { inlineConstants } from './dialects/sqlite-sql-text.js';
import type { Database } from './schema.js';
import type { Db, Trx } from './storage.js';

const MARKER = Symbol('prepared query value');
interface Marker {
  readonly [MARKER]: string;
}

const isMarker = (value: unknown): value is Marker => typeof value === 'object' && value !== null && MARKER in value;

/** Where each compiled parameter comes from: a named value of the call, or a constant of the query. */
type Slot = { name: string } | { constant: unknown };

interface Compiled {
  sql: string;
  slots: Slot[];
}

export type ValueOf<P> = <K extends keyof P & string>(name: K) => P[K];

export interface PreparedQuery<P, R> {
  /** All rows. */
  rows(db: Db | Trx, values: P): Promise<R[]>;
  /** The first row, or undefined. */
  first(db: Db | Trx, values: P): Promise<R | undefined>;
  /** Rows changed by an insert, update or delete. */
  changed(db: Db | Trx, values: P): Promise<number>;
}

export function preparedQuery<P, R = never>(build: (db: Kysely<Database>, p: ValueOf<P>) => Compilable<R>): PreparedQuery<P, R> {
  // One compiled form per dialect adapter: a transaction shares its database's adapter.
  const byAdapter = new WeakMap<DialectAdapter, Compiled>();

  const compiledFor = (db: Db | Trx): Compiled => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      const marker = ((name: string) => ({ [MARKER]: name })) as unknown as ValueOf<P>;
      compiled = compile(build(db, marker).compile(), adapter);
      byAdapter.set(adapter, compiled);
      registerFixedText(compiled.sql);
    }
    return compiled;
  };

  const execute = (db: Db | Trx, values: P) => {
    const { sql, slots } = compiledFor(db);
    const parameters = slots.map((slot) => ('name' in slot ? valueOf(values, slot.name) : slot.constant));
    return db.executeQuery<R>(CompiledQuery.raw(sql, parameters));
  };

  return {
    rows: async (db, values) => (await execute(db, values)).rows,
    first: async (db, values) => (await execute(db, values)).rows[0],
    changed: async (db, values) => Number((await execute(db, values)).numAffectedRows ?? 0n),
  };
}

/**
 * The SQL and parameter slots of a query compiled with markers. On SQLite the query's constants are
 * written into the SQL as literals: a bound constant compared with a partial index's condition or
 * used as a LIMIT makes SQLite re-prepare the statement on every run (dialects/sqlite-sql-text.ts).
 */
function compile(query: CompiledQuery, adapter: DialectAdapter): Compiled {
  const slots: Slot[] = query.parameters.map((value) => (isMarker(value) ? { name: value[MARKER] } : { constant: value }));
  if (!(adapter instanceof SqliteAdapter)) return { sql: query.sql, slots };
  const inlined = inlineConstants(query.sql, query.parameters, (index) => 'constant' in slots[index]!);
  return { sql: inlined.sql, slots: inlined.bound.map((index) => slots[index]!) };
}

function valueOf<P>(values: P, name: string): unknown {
  const value = (values as Record<string, unknown>)[name];
  // A missing value would silently bind NULL; that is always a programming error.
  if (value === undefined) throw new Error(`prepared query: no value for "${name}"`);
  return value;
}

/**
 * Texts of prepared queries. Their SQL never changes, so the PostgreSQL driver runs them as named
 * prepared statements (parsed and planned once per connection); other queries stay unnamed, so a
 * query whose best plan depends on its values (history pages) is planned for its values each time.
 */
const fixedTexts = new Map<string, string>();

function registerFixedText(sqlText: string): void {
  if (!fixedTexts.has(sqlText)) fixedTexts.set(sqlText, `minibank_${fixedTexts.size + 1}`);
}

/** The prepared statement name for this SQL text, if it is a prepared query's. */
export const preparedStatementName = (sqlText: string): string | undefined => fixedTexts.get(sqlText);

/** A fixed statement (savepoints and the like), compiled once. */
export function fixedStatement(sqlText: string): (db: Db | Trx) => Promise<void> {
  const query = CompiledQuery.raw(sqlText, []);
  return async (db) => {
    await db.executeQuery(query);
  };
}
