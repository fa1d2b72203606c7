import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { resolveSecret } from '../../src/secret-file.js';

describe('configuration', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, './data');
    assert.equal(config.currency, 'USD');
    assert.equal(config.databaseUrl, '');
    assert.ok(Object.isFrozen(config));
  });

  it('names the variable at fault', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc' }),
      (e: Error) => e instanceof ConfigError && /PORT/.test(e.message),
    );
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT must be between/);
    assert.throws(() => loadConfig({ CURRENCY: 'XXQ' }), /CURRENCY/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ ARGON2_MEMORY_KIB: '1024' }), /ARGON2_MEMORY_KIB/);
  });

  it('refuses a configured secret shorter than 32 bytes', () => {
    assert.throws(() => loadConfig({ SECRET: 'short' }), /SECRET must be at least 32 bytes/);
    assert.equal(loadConfig({ SECRET: 's'.repeat(32) }).secret, 's'.repeat(32));
  });

  it('generates a 256-bit secret once, keeps it with mode 0600 and reuses it', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-secret-'));
    try {
      const first = resolveSecret({ secret: '', dataDir });
      const second = resolveSecret({ secret: '', dataDir });
      assert.equal(first, second);
      assert.equal(Buffer.from(first, 'base64url').length, 32);
      assert.equal(fs.statSync(path.join(dataDir, 'secret')).mode & 0o777, 0o600);
      assert.equal(resolveSecret({ secret: 'c'.repeat(40), dataDir }), 'c'.repeat(40));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
