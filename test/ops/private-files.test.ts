/**
 * Issue 11 class 14: data files and backups are 0600 in a 0700 folder, loose ones are fixed with a
 * warning, and a secret file others can read is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { ensurePrivateDir, warnIfSharedDir } from '../../src/private-files.js';
import { LooseSecretFileError } from '../../src/secret-file.js';
import { backupSqlite, stageCopy } from '../../src/storage/sqlite-backup.js';
import { dialects, withHarness } from '../helpers/harness.js';
import { createTempPgDatabase } from '../helpers/postgres.js';

const mode = (p: string) => fs.statSync(p).mode & 0o7777;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-private-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Collects the MINIBANK_LOOSE_PERMISSIONS warnings emitted while `work` runs. */
async function warningsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (warning: Error & { code?: string }) => {
    if (warning.code === 'MINIBANK_LOOSE_PERMISSIONS') seen.push(warning.message);
  };
  process.on('warning', listen);
  try {
    await work();
    // Warnings are delivered on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listen);
  }
  return seen;
}

for (const dialect of await dialects()) {
  describe(`data file permissions (${dialect})`, () => {
    it('creates the data folder 0700 and the database, its WAL, the access log and the generated secret 0600', async () => {
      const dataDir = path.join(fs.mkdtempSync(path.join(scratch, `${dialect}-`)), 'data');
      const pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
      const config = loadConfig({}, { dataDir, databaseUrl: pg?.url ?? '', rateLimits: false });
      const app = await buildApp({ config });
      try {
        await app.ready();
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/signup',
          payload: { username: 'private-files', password: 'a long enough test passphrase' },
        });
        assert.equal(res.statusCode, 201);
        assert.equal(mode(dataDir), 0o700);
        const files = ['secret', 'access.log', ...(dialect === 'sqlite' ? ['minibank.sqlite', 'minibank.sqlite-wal', 'minibank.sqlite-shm'] : [])];
        for (const name of files) assert.equal(mode(path.join(dataDir, name)), 0o600, name);
        for (const name of fs.readdirSync(dataDir)) assert.equal(mode(path.join(dataDir, name)) & 0o077, 0, `${name} is private`);
      } finally {
        await app.close();
        await pg?.drop();
      }
    });
  });
}

describe('loose data files (sqlite)', () => {
  it('fixes a world-readable data folder, database, WAL and access log at start, with a warning for each', async () => {
    const dataDir = fs.mkdtempSync(path.join(scratch, 'loose-'));
    const config = loadConfig({}, { dataDir, rateLimits: false, secret: 'test-secret-that-is-at-least-32-bytes-long!' });
    await (await buildApp({ config })).close();
    const loose = ['minibank.sqlite', 'access.log'].map((name) => path.join(dataDir, name));
    fs.writeFileSync(path.join(dataDir, 'minibank.sqlite-wal'), '');
    loose.push(path.join(dataDir, 'minibank.sqlite-wal'));
    for (const file of loose) fs.chmodSync(file, 0o644);
    fs.chmodSync(dataDir, 0o755);
    let app: Awaited<ReturnType<typeof buildApp>> | undefined;
    const warnings = await warningsDuring(async () => {
      app = await buildApp({ config });
    });
    try {
      assert.equal(mode(dataDir), 0o700);
      for (const file of loose) assert.equal(mode(file), 0o600, file);
      for (const file of [dataDir, ...loose])
        assert.ok(
          warnings.some((w) => w.startsWith(`${file} was accessible to other users (mode 0`)),
          `a warning names ${file}: ${JSON.stringify(warnings)}`,
        );
    } finally {
      await app?.close();
    }
  });

  it('refuses to start with a generated secret file that others can read, and names the fix', async () => {
    const dataDir = fs.mkdtempSync(path.join(scratch, 'secret-'));
    const config = loadConfig({}, { dataDir, rateLimits: false });
    await (await buildApp({ config })).close();
    const secret = path.join(dataDir, 'secret');
    for (const loose of [0o644, 0o640, 0o604]) {
      fs.chmodSync(secret, loose);
      await assert.rejects(
        buildApp({ config }),
        (error: Error) => error instanceof LooseSecretFileError && error.message.includes(`chmod 600 ${secret}`),
        loose.toString(8),
      );
      assert.equal(mode(secret), loose, 'the file is left for the operator to decide');
    }
    fs.chmodSync(secret, 0o600);
    await (await buildApp({ config })).close();
  });

  it('leaves a sticky shared folder such as /tmp as it is, with a warning', async () => {
    const shared = fs.mkdtempSync(path.join(scratch, 'sticky-'));
    fs.chmodSync(shared, 0o1777);
    const warnings = await warningsDuring(async () => ensurePrivateDir(shared));
    assert.equal(mode(shared), 0o1777);
    assert.ok(
      warnings.some((w) => w.includes('left as it is')),
      JSON.stringify(warnings),
    );
  });
});

describe('backup file permissions (sqlite)', () => {
  it('writes a backup 0600 even into a world-readable folder, warns about the folder, and stages a restore 0600', async () => {
    await withHarness('sqlite', async (h) => {
      await h.user('backed-up');
      const folder = fs.mkdtempSync(path.join(scratch, 'backups-'));
      fs.chmodSync(folder, 0o755);
      const file = path.join(folder, 'bank.sqlite');
      await backupSqlite(path.join(h.dataDir, 'minibank.sqlite'), file, 1000);
      assert.equal(mode(file), 0o600);
      assert.equal(mode(folder), 0o755, 'an operator-chosen folder is not changed');
      const warnings = await warningsDuring(async () => warnIfSharedDir(folder));
      assert.ok(
        warnings.some((w) => w.includes(folder) && w.includes('chmod 700')),
        JSON.stringify(warnings),
      );
      // A backup copied around with a loose mode still restores as a private file.
      fs.chmodSync(file, 0o644);
      const staged = stageCopy(file, path.join(folder, 'restored', 'minibank.sqlite'));
      assert.equal(mode(staged), 0o600);
    });
  });
});
