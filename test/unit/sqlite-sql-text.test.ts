/** The SQL text rules that keep SQLite from re-preparing statements (src/storage/dialects/sqlite-sql-text.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { inlineConstants, placeholderOffsets, sqliteLiteral, unplannedLimits } from '../../src/storage/dialects/sqlite-sql-text.js';

describe('SQLite SQL text', () => {
  it('finds placeholders outside quoted strings, identifiers and comments', () => {
    const text = `select '?' as "a?", [b?], \`c?\` from t -- ?\nwhere x = ? /* ? */ and y = 'it''s ?' and z = ?`;
    assert.deepEqual(
      placeholderOffsets(text).map((offset) => text.slice(offset - 4, offset + 1)),
      ['x = ?', 'z = ?'],
    );
  });

  it('writes constants as literals SQLite reads back exactly, and keeps the values of a call bound', () => {
    const db = new SqliteDatabase(':memory:');
    db.defaultSafeIntegers(true);
    const hostile = `O'Brien'); drop table t; --`;
    const { sql, bound } = inlineConstants('select ? as a, ? as b, ? as c, ? as d, ? as e', [hostile, 'value', 9007199254740993n, null, 1.5], (i) => i !== 1);
    assert.deepEqual(bound, [1, 4]);
    assert.deepEqual(db.prepare(sql).get('value', 1.5), { a: hostile, b: 'value', c: 9007199254740993n, d: null, e: 1.5 });
    assert.equal(sqliteLiteral({}), undefined);
    assert.equal(sqliteLiteral(0.5), undefined);
    assert.throws(() => inlineConstants('select ?', [1, 2], () => true), /1 placeholders for 2 parameters/);
  });

  it('hides a bound LIMIT from the planner without changing the rows', () => {
    assert.equal(unplannedLimits('select x from t where a = ? order by x limit ? offset ?'), 'select x from t where a = ? order by x limit +? offset ?');
    assert.equal(unplannedLimits("select 'limit ?' from t limit 3"), "select 'limit ?' from t limit 3");
    const db = new SqliteDatabase(':memory:');
    db.exec('create table t (x integer); insert into t values (1), (2), (3), (4)');
    assert.deepEqual(db.prepare(unplannedLimits('select x from t order by x limit ? offset ?')).pluck().all(2, 1), [2, 3]);
  });
});
