import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { maskedUrl, parseCommandArgs, UsageError } from '../../src/cli/command.js';
import { accessLogTarget } from '../../src/http/access-log-sink.js';
import { queryKind } from '../../src/storage/query-observers.js';

describe('operations helpers', () => {
  it('labels a statement by its first keyword, from a small fixed set', () => {
    assert.equal(queryKind('select * from accounts'), 'select');
    assert.equal(queryKind('  WITH x as (select 1) select * from x'), 'select');
    assert.equal(queryKind('update "accounts" set balance = balance - $1'), 'update');
    assert.equal(queryKind('insert into entries values (?)'), 'insert');
    assert.equal(queryKind('delete from idempotency_keys'), 'delete');
    assert.equal(queryKind('begin immediate'), 'transaction');
    assert.equal(queryKind('savepoint "movement"'), 'transaction');
    assert.equal(queryKind('pragma wal_checkpoint(TRUNCATE)'), 'other');
    assert.equal(queryKind(''), 'other');
  });

  it('labels a WITH query that writes by its first write, and one that only locks as a read', () => {
    assert.equal(queryKind('with locked as (select id from accounts for update), d as (update accounts set balance = 1) select 1'), 'update');
    assert.equal(queryKind('WITH t AS (INSERT INTO ledger_transactions (id) VALUES ($1) RETURNING seq) INSERT INTO entries SELECT 1'), 'insert');
    assert.equal(queryKind('with old as (delete from sessions where id_hash = $1 returning 1) select count(*) from old'), 'delete');
    assert.equal(queryKind('with locked as (select id from accounts where id = $1 for update) select * from locked'), 'select');
  });

  it('puts the access log in DATA_DIR unless told otherwise', () => {
    assert.equal(accessLogTarget({ accessLog: '', dataDir: '/srv/bank' }), path.resolve('/srv/bank/access.log'));
    assert.equal(accessLogTarget({ accessLog: '/var/log/minibank/access.log', dataDir: '/srv/bank' }), '/var/log/minibank/access.log');
    assert.equal(accessLogTarget({ accessLog: '-', dataDir: '/srv/bank' }), 1);
    assert.equal(accessLogTarget({ accessLog: 'off', dataDir: '/srv/bank' }), null);
  });

  it('never prints a database password', () => {
    assert.equal(maskedUrl('postgres://bank:s3cret@db:5432/minibank'), 'postgres://bank:***@db:5432/minibank');
    assert.equal(maskedUrl('postgres://db/minibank'), 'postgres://db/minibank');
    assert.equal(maskedUrl('not a url'), '<DATABASE_URL>');
  });

  it('turns unknown flags and wrong argument counts into usage errors', () => {
    const options = { force: { type: 'boolean' as const } };
    assert.deepEqual(parseCommandArgs(['--force', 'a.sqlite'], options, { min: 1, max: 1, names: '<file>' }).positionals, ['a.sqlite']);
    assert.throws(
      () => parseCommandArgs([], options, { min: 1, max: 1, names: '<file>' }),
      (e) => e instanceof UsageError && /missing <file>/.test(e.message),
    );
    assert.throws(
      () => parseCommandArgs(['a', 'b'], options, { min: 1, max: 1, names: '<file>' }),
      (e) => e instanceof UsageError && /unexpected argument "b"/.test(e.message),
    );
    assert.throws(() => parseCommandArgs(['--frce', 'a'], options, { min: 1, max: 1, names: '<file>' }), UsageError);
  });
});
