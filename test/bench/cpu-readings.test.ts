/**
 * How bench/interleave.ts splits PostgreSQL's CPU between variants (bench/lib/cpu-readings.ts): a
 * backend's time goes to the database it serves, shared processes' time to whoever was under load,
 * and a backend that appeared between two readings counts from zero.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseCpuBetween, sharedCpuBetween, type CpuReading } from '../../bench/lib/cpu-readings.js';

const reading = (postgres: [number, number][], databaseOf: [number, string][]): CpuReading => ({
  servers: [],
  serversSystem: [],
  postgres: new Map(postgres),
  databaseOf: new Map(databaseOf),
});

describe('bench CPU attribution', () => {
  // pids 1, 2: database a; 3: database b; 9: the checkpointer (no database); 4: a backend of a new since `from`.
  const from = reading(
    [
      [1, 1_000],
      [2, 500],
      [3, 2_000],
      [9, 100],
    ],
    [
      [1, 'a'],
      [2, 'a'],
      [3, 'b'],
    ],
  );
  const to = reading(
    [
      [1, 1_600],
      [2, 500],
      [3, 2_250],
      [4, 70],
      [9, 130],
    ],
    [
      [1, 'a'],
      [2, 'a'],
      [3, 'b'],
      [4, 'a'],
    ],
  );

  it("gives each database its own backends' CPU, a new backend counted from zero", () => {
    assert.equal(databaseCpuBetween(from, to, 'a'), 600 + 0 + 70);
    assert.equal(databaseCpuBetween(from, to, 'b'), 250);
    assert.equal(databaseCpuBetween(from, to, 'elsewhere'), 0);
  });

  it('counts as shared only processes serving none of the compared databases', () => {
    assert.equal(sharedCpuBetween(from, to, new Set(['a', 'b'])), 30);
    // A database not compared (someone else's) is shared work, like the checkpointer's.
    assert.equal(sharedCpuBetween(from, to, new Set(['a'])), 30 + 250);
  });
});
