/**
 * SQL text rules that keep SQLite from re-preparing a statement on every run (issue 17 item 1).
 *
 * SQLite plans some statements for the values bound to them and then re-parses and re-plans the
 * statement every time one of those values is bound again (sqlite3VdbeSetVarmask in SQLite's
 * sources): a value compared with a partial index's condition (`kind = ?` against the index
 * `where kind = 'system'`), a `LIMIT ?`, a `LIKE ?` pattern, a value compared with a STAT4-sampled
 * column. A re-preparation costs several times the run of a small statement (65 us against 19 us
 * for the payer/payee read). Two cures, both here:
 * - constants of a prepared query (values written in the code, such as `'user'` or `limit(1)`) are
 *   written into its SQL as literals (prepared-query.ts); values of a call stay bound;
 * - a bound LIMIT is written `limit +?`: the unary plus hides the variable from the planner's
 *   "is this an integer" probe, so the plan no longer depends on it (the row count is unchanged).
 * Test: test/perf/statement-preparation.test.ts counts SQLite's re-preparations on the hot paths.
 */

/** Offsets of the `?` placeholders of `sqlText`, skipping quoted strings, identifiers and comments. */
export function placeholderOffsets(sqlText: string): number[] {
  const offsets: number[] = [];
  let i = 0;
  while (i < sqlText.length) {
    const c = sqlText[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = sqlText.indexOf(c, i + 1);
      // A doubled quote inside a quoted run ends one run and starts the next: same result.
      i = end < 0 ? sqlText.length : end + 1;
    } else if (c === '[') {
      const end = sqlText.indexOf(']', i + 1);
      i = end < 0 ? sqlText.length : end + 1;
    } else if (c === '-' && sqlText[i + 1] === '-') {
      const end = sqlText.indexOf('\n', i);
      i = end < 0 ? sqlText.length : end + 1;
    } else if (c === '/' && sqlText[i + 1] === '*') {
      const end = sqlText.indexOf('*/', i + 2);
      i = end < 0 ? sqlText.length : end + 2;
    } else {
      if (c === '?') offsets.push(i);
      i++;
    }
  }
  return offsets;
}

/**
 * `value` as an SQLite literal, or undefined when it is better left bound (a float, a blob, an
 * object). Strings are quoted with doubled quotes (SQLite's only escape), so any text is safe.
 */
export function sqliteLiteral(value: unknown): string | undefined {
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (value === null) return 'null';
  return undefined;
}

/**
 * `sqlText` with the constant parameters written in as literals: `parameters[i]` belongs to the
 * i-th placeholder; `isConstant(i)` says whether it is a constant of the query. Returns the new text
 * and the indexes of the parameters that stay bound, in order.
 * @throws Error when the placeholders and parameters do not match one to one.
 */
export function inlineConstants(sqlText: string, parameters: readonly unknown[], isConstant: (index: number) => boolean): { sql: string; bound: number[] } {
  const offsets = placeholderOffsets(sqlText);
  if (offsets.length !== parameters.length) throw new Error(`sqlite text: ${offsets.length} placeholders for ${parameters.length} parameters`);
  let out = '';
  let from = 0;
  const bound: number[] = [];
  offsets.forEach((offset, index) => {
    const literal = isConstant(index) ? sqliteLiteral(parameters[index]) : undefined;
    if (literal === undefined) {
      bound.push(index);
      return;
    }
    out += sqlText.slice(from, offset) + literal;
    from = offset + 1;
  });
  return { sql: out + sqlText.slice(from), bound };
}

/** `sqlText` with every bound `limit ?` written `limit +?` (see above); the parameters do not move. */
export function unplannedLimits(sqlText: string): string {
  if (!/limit \?/i.test(sqlText)) return sqlText;
  const offsets = new Set(placeholderOffsets(sqlText));
  return sqlText.replace(/\blimit \?/gi, (match, offset: number) => (offsets.has(offset + match.length - 1) ? `${match.slice(0, -1)}+?` : match));
}
