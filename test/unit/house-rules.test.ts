/**
 * Issue 12 item 5: the house rules run. No source file in src/ over 300 lines, no function over 70,
 * src/domain/ imports nothing outside itself, and the database schema type (src/storage/schema.ts)
 * is imported only under src/storage/, and no SQL, query builder or test of the database type lives
 * outside src/storage/ (item 1). The layers and their import rules: docs/architecture.md.
 * Each measure is first shown to catch a made-up offender, so a rule cannot pass by measuring nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { functionLengths, importedSpecifiers, lineCount, resolveRelative, typescriptFiles } from '../helpers/house-rules.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 70;
const SCHEMA = 'src/storage/schema.ts';
/** The schema and the files its tables live in (src/storage/tables/, schema-*.ts). */
const isSchemaFile = (file: string | undefined) =>
  file !== undefined && (file === SCHEMA || file.startsWith('src/storage/tables/') || /^src\/storage\/schema-[\w-]+\.ts$/.test(file));
// Released migrations are never edited (src/storage/migrations/index.ts), so their length stays as shipped.
const FUNCTION_LENGTH_EXEMPT = 'src/storage/migrations/';
// Node modules domain/ may use: none today. A pure one (no I/O, no clock, no randomness) may be
// added here with its reason; node:crypto, node:fs and the like never.
const PURE_NODE_MODULES_FOR_DOMAIN: readonly string[] = [];

/** A test of which database it is: `dialect === 'x'`, `'x' !== …dialect`, or a switch on it (issue 12 item 1). */
const DIALECT_TEST = /\bdialect\s*[!=]==|[!=]==\s*[\w.]*\bdialect\b|switch\s*\([^)]*\bdialect\b/;
/** SQL or a Kysely query builder (issue 12 item 1: only src/storage/ talks to the database). */
const QUERY_BUILDER = /\bsql`|\bsql\.(raw|ref|lit|join)\b|\.(selectFrom|insertInto|updateTable|deleteFrom|selectNoFrom)\(|\bdb\.schema\b|from 'kysely'/;

const sources = () => typescriptFiles(ROOT, 'src').map((file) => ({ file, text: fs.readFileSync(ROOT + file, 'utf8') }));

/** A made-up function of `bodyLines` statements, for the measures' own tests. */
const fakeFunction = (bodyLines: number) => `export function big(): number {\n${'  x++;\n'.repeat(bodyLines)}  return x;\n}\n`;

describe('house rules: the measures themselves', () => {
  it('sees a test of the database type and a query, however they are written', () => {
    for (const offender of ["if (ctx.storage.dialect === 'postgres') x();", "if ('sqlite' !== storage.dialect) x();", 'switch (ctx.storage.dialect) {}']) {
      assert.ok(DIALECT_TEST.test(offender), offender);
    }
    assert.ok(!DIALECT_TEST.test('const dialects = await dialects();'));
    for (const offender of ["await db.selectFrom('users').execute();", 'await sql`select 1`.execute(db);', "import { sql } from 'kysely';"]) {
      assert.ok(QUERY_BUILDER.test(offender), offender);
    }
  });

  it('counts a function from its first token to its closing brace, arrows, methods and nested ones included', () => {
    assert.deepEqual(functionLengths('f.ts', fakeFunction(3)), [{ name: 'big', line: 1, lines: 6 }]);
    const text = 'class A {\n  m() {\n    const inner = () => {\n      return 1;\n    };\n    return inner();\n  }\n}\n';
    assert.deepEqual(functionLengths('a.ts', text), [
      { name: 'm', line: 2, lines: 6 },
      { name: 'inner', line: 3, lines: 3 },
    ]);
    // A brace inside a string or a comment is not structure.
    assert.deepEqual(functionLengths('s.ts', "const f = () => {\n  // }\n  return '}{';\n};\n"), [{ name: 'f', line: 1, lines: 4 }]);
  });

  it('finds static, type-only, re-exported, dynamic and required imports', () => {
    const text = [
      "import a from 'node:fs';",
      "import type { B } from '../storage/schema.js';",
      "export { c } from './c.js';",
      "const d = await import('kysely');",
      "const e = require('pg');",
      "let f: import('../x.js').F;",
    ].join('\n');
    assert.deepEqual(importedSpecifiers('src/domain/z.ts', text), ['node:fs', '../storage/schema.js', './c.js', 'kysely', 'pg', '../x.js']);
    assert.equal(resolveRelative('src/app/move-money.ts', '../storage/schema.js'), SCHEMA);
    assert.equal(resolveRelative('src/app/move-money.ts', 'kysely'), undefined);
  });

  it('counts lines without the final newline', () => {
    assert.equal(lineCount('a\nb\n'), 2);
    assert.equal(lineCount('a\nb'), 2);
    assert.equal(lineCount(''), 0);
  });
});

describe('house rules (issue 12 item 5)', () => {
  it(`keeps every source file in src/ at or under ${MAX_FILE_LINES} lines`, () => {
    const long = sources()
      .map(({ file, text }) => ({ file, lines: lineCount(text) }))
      .filter((f) => f.lines > MAX_FILE_LINES);
    assert.deepEqual(long, [], 'split these files by job');
  });

  it(`keeps every function in src/ at or under ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sources()
      .filter(({ file }) => !file.startsWith(FUNCTION_LENGTH_EXEMPT))
      .flatMap(({ file, text }) =>
        functionLengths(file, text)
          .filter((f) => f.lines > MAX_FUNCTION_LINES)
          .map((f) => `${file}:${f.line} ${f.name} (${f.lines} lines)`),
      );
    assert.deepEqual(long, [], 'split these functions');
  });

  it('lets src/domain/ import only from src/domain/ (no packages, no I/O modules)', () => {
    const outside = sources()
      .filter(({ file }) => file.startsWith('src/domain/'))
      .flatMap(({ file, text }) =>
        importedSpecifiers(file, text)
          .filter((spec) => {
            const target = resolveRelative(file, spec);
            if (target === undefined) return !PURE_NODE_MODULES_FOR_DOMAIN.includes(spec);
            return !target.startsWith('src/domain/');
          })
          .map((spec) => `${file} imports ${spec}`),
      );
    assert.deepEqual(outside, [], 'domain/ holds pure rules: pass what they need in as values');
  });

  it('imports the database schema type (src/storage/schema.ts) only under src/storage/', () => {
    assert.ok(
      sources().some(({ file, text }) => file.startsWith('src/storage/') && importedSpecifiers(file, text).some((s) => resolveRelative(file, s) === SCHEMA)),
      'the check sees the storage files that do import it',
    );
    const leaks = sources()
      .filter(({ file }) => !file.startsWith('src/storage/'))
      .flatMap(({ file, text }) =>
        importedSpecifiers(file, text)
          .filter((spec) => isSchemaFile(resolveRelative(file, spec)))
          .map(() => file),
      );
    assert.deepEqual(leaks, [], 'outside storage/, use the row types a repository exports');
  });

  it('tests the database type nowhere outside src/storage/ (issue 12 item 1)', () => {
    const offenders = sources().filter(({ file, text }) => !file.startsWith('src/storage/') && DIALECT_TEST.test(text));
    assert.deepEqual(
      offenders.map(({ file }) => file),
      [],
    );
  });

  it('writes no SQL and builds no query outside src/storage/ (issue 12 item 1)', () => {
    const offenders = sources().filter(({ file, text }) => !file.startsWith('src/storage/') && QUERY_BUILDER.test(text));
    assert.deepEqual(
      offenders.map(({ file }) => file),
      [],
    );
  });
});
