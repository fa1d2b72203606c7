/**
 * Code constants written into a query built at run time as SQL literals instead of bound values
 * (issue 17 item 1, "no re-preparation, ever"). SQLite re-parses and re-plans a statement on every
 * run when a bound value is compared with a partial index's condition: `status = ?` against the
 * index `holds_pending_expiry ... where status = 'pending'` (sqlite3VdbeSetVarmask, see
 * dialects/sqlite-sql-text.ts). Prepared queries get this on SQLite by themselves (prepared-query.ts);
 * a query with optional clauses cannot be prepared, so its constants use these.
 *
 * Only values written in the code, or chosen from a closed list written in the code, become
 * literals: a caller's free text is never spliced into SQL. On PostgreSQL a literal is as good as a
 * parameter here (the texts are still a handful per query, and its partial indexes match literals).
 * Test: test/perf/statement-preparation.test.ts counts SQLite's re-preparations.
 */
import { sql, type RawBuilder } from 'kysely';

/** The constant `value` as an SQL literal (Kysely quotes it, doubling any quote). */
export function literal<T extends string>(value: T): RawBuilder<T> {
  return sql.lit(value);
}

/**
 * `value`, one of `allowed` (a closed list written in the code, such as a status column's values),
 * as an SQL literal: a filter chosen by a caller names a constant, so the SQL text stays one of a few.
 * @throws Error when `value` is not in `allowed` (a programming error: schemas validate it first).
 */
export function literalOf<T extends string>(allowed: readonly T[], value: T): RawBuilder<T> {
  if (!allowed.includes(value)) throw new Error(`sql literal: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  return sql.lit(value);
}
