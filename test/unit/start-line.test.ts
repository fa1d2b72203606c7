/**
 * Issue 12 item 7: the one human line printed on start says where to point a browser and where the
 * data lives, without a database password.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startLine } from '../../src/http/server.js';

const base = { host: 'localhost', port: 3000, dataDir: './data', databaseUrl: '' };

describe('the start line', () => {
  it('reads like the issue example on the defaults', () => {
    assert.equal(startLine(base, { address: '127.0.0.1', family: 'IPv4', port: 3000 }), 'minibank listening on http://localhost:3000, data in ./data');
  });

  it('shows the port actually bound (PORT=0) and the configured data folder', () => {
    assert.equal(
      startLine({ ...base, port: 0, dataDir: '/srv/bank' }, { address: '127.0.0.1', family: 'IPv4', port: 40123 }),
      'minibank listening on http://localhost:40123, data in /srv/bank',
    );
  });

  it('names a browsable address when bound to every interface, and brackets IPv6', () => {
    assert.equal(startLine({ ...base, host: '0.0.0.0' }, null), 'minibank listening on http://localhost:3000 (all interfaces), data in ./data');
    assert.equal(startLine({ ...base, host: '::1' }, null), 'minibank listening on http://[::1]:3000, data in ./data');
  });

  it('names the PostgreSQL database without its password', () => {
    const line = startLine({ ...base, databaseUrl: 'postgres://bank:s3cret-pass@db.internal:5432/minibank?sslmode=require' }, null);
    assert.equal(line, 'minibank listening on http://localhost:3000, database postgres://bank@db.internal:5432/minibank');
    assert.doesNotMatch(line, /s3cret/);
  });
});
