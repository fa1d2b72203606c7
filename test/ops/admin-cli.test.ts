/**
 * `minibank admin grant|revoke <username> <role>` (issue 15 item 1) as an operator runs it: the real
 * command in a child process against the bank's own storage (a harness's DATA_DIR on SQLite, its
 * database on PostgreSQL when one answers). A grant or revoke exits 0 and applies at once to the
 * user's live API token; doing it twice changes nothing; an unknown user exits 1 and changes nothing;
 * an unknown role or action and a wrong number of arguments exit 2 with the help, before any storage
 * is opened.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { auth, dialects, TEST_SECRET, withHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { enrolTotp, manualClock } from '../helpers/second-factor.js';
import { operatorSnapshot } from '../helpers/staff.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `minibank ...args` without blocking this process (the harness keeps answering meanwhile). */
function minibank(args: string[], env: { dataDir: string; databaseUrl?: string }): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: env.dataDir, SECRET: TEST_SECRET, DATABASE_URL: env.databaseUrl ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const onBank = (h: Harness) => ({ dataDir: h.dataDir, databaseUrl: h.config.databaseUrl });

const rolesOf = (h: Harness, userId: string) =>
  h.app.ctx.storage.db.selectFrom('user_roles').select(['role', 'granted_by']).where('user_id', '=', userId).orderBy('role').execute();

/** A staff route with the user's live token: 200 when a role lets them in, 403 otherwise. */
const staffSearch = async (h: Harness, user: TestUser) => (await h.inject({ method: 'GET', url: '/api/v1/admin/users?q=al', headers: auth(user) })).statusCode;

for (const dialect of await dialects()) {
  describe(`minibank admin grant|revoke (child process, ${dialect})`, () => {
    it('grants a role (exit 0) that applies to the live token at once, revokes it the same way, and a repeat of either changes nothing', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        await enrolTotp(h, alice, clock);
        assert.equal(await staffSearch(h, alice), 403, 'a customer');

        const granted = await minibank(['admin', 'grant', 'alice', 'support'], onBank(h));
        assert.equal(granted.code, 0, granted.stdout + granted.stderr);
        assert.match(granted.stdout, /^granted support to alice$/m);
        assert.deepEqual(await rolesOf(h, alice.userId), [{ role: 'support', granted_by: null }], 'granted by nobody: the command line');
        assert.equal(await staffSearch(h, alice), 200, 'the same token, now support');

        const before = await operatorSnapshot(h);
        const again = await minibank(['admin', 'grant', 'alice', 'support'], onBank(h));
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.match(again.stdout, /nothing to do: alice already has support/);
        assert.equal(await operatorSnapshot(h), before);

        const revoked = await minibank(['admin', 'revoke', 'alice', 'support'], onBank(h));
        assert.equal(revoked.code, 0, revoked.stdout + revoked.stderr);
        assert.match(revoked.stdout, /^revoked support from alice$/m);
        assert.deepEqual(await rolesOf(h, alice.userId), []);
        assert.equal(await staffSearch(h, alice), 403, 'the same token, a customer again');

        const none = await minibank(['admin', 'revoke', 'alice', 'support'], onBank(h));
        assert.equal(none.code, 0, none.stdout + none.stderr);
        assert.match(none.stdout, /nothing to do: alice does not have support/);
      });
    });

    it('refuses a user who does not exist with exit 1 and changes nothing', async () => {
      await withHarness(dialect, async (h) => {
        await h.user('alice');
        const before = await operatorSnapshot(h);
        for (const action of ['grant', 'revoke']) {
          const res = await minibank(['admin', action, 'nobody', 'admin'], onBank(h));
          assert.equal(res.code, 1, `${action}: ${res.stdout}${res.stderr}`);
          assert.match(res.stderr, /^minibank admin: No such user\.$/m);
          assert.equal(res.stdout, '');
        }
        assert.equal(await operatorSnapshot(h), before);
      });
    });
  });
}

describe('minibank admin: bad usage (child process, no storage opened)', () => {
  it('exits 2 with the help for an unknown role or action and a missing or extra argument, and creates nothing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-admin-cli-'));
    try {
      const cases: [string[], RegExp][] = [
        [['admin', 'grant', 'alice', 'root'], /unknown role "root": support or admin/],
        [['admin', 'grant', 'alice', 'customer'], /unknown role "customer"/],
        [['admin', 'grant', 'alice', 'Admin'], /unknown role "Admin"/],
        [['admin', 'promote', 'alice', 'admin'], /unknown action "promote"/],
        [['admin', 'grant', 'alice'], /missing grant\|revoke, a username and a role/],
        [['admin'], /missing grant\|revoke, a username and a role/],
        [['admin', 'grant', 'alice', 'admin', 'bob'], /unexpected argument "bob"/],
        [['admin', 'grant', 'alice', 'admin', '--force'], /Unknown option '--force'/],
      ];
      for (const [args, message] of cases) {
        const res = await minibank(args, { dataDir });
        assert.equal(res.code, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
        assert.match(res.stderr, message, args.join(' '));
        assert.match(res.stderr, /Usage: minibank admin grant <username> <role>/, args.join(' '));
      }
      assert.deepEqual(fs.readdirSync(dataDir), [], 'no database or secret was created');
      const help = await minibank(['admin', '--help'], { dataDir });
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Exit codes: 0 done/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
