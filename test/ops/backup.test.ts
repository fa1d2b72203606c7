import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { TEST_SECRET } from '../helpers/harness.js';
import { api, childEnv, ensureStopped, runCli, signUpAndDeposit, startChildServer, tempDataDir, type ChildServer, type RemoteUser } from './child-server.js';

const CLIENTS = 20;
const DEPOSIT = 100_000;

const storageAt = (dataDir: string): Storage => openStorage(loadConfig({}, { dataDir, secret: TEST_SECRET, databaseUrl: '' }));

describe('backup and restore with the minibank CLI (sqlite)', () => {
  it('backs up while 20 clients write; the restore is that exact moment, with sound books', { timeout: 300_000 }, async () => {
    const liveDir = tempDataDir();
    const restoredDir = tempDataDir();
    const backupFile = path.join(liveDir, 'backup.sqlite');
    let server: ChildServer | undefined;
    try {
      const liveEnv = childEnv(liveDir);
      server = await startChildServer(liveEnv);
      const base = server.url;
      const users: RemoteUser[] = [];
      for (let i = 0; i < CLIENTS; i++) users.push(await signUpAndDeposit(base, `client${i}`, DEPOSIT));

      let stop = false;
      let answered = 0;
      // Bounded by a count of polls (issue 12 item 10): a client that died fails here instead of hanging.
      const waitFor = async (count: number) => {
        for (let i = 0; i < 5000 && answered < count; i++) await new Promise((r) => setTimeout(r, 20));
        assert.ok(answered >= count, `the clients answered ${answered} of ${count} transfers`);
      };
      const client = async (i: number) => {
        for (let n = 0; !stop; n++) {
          const from = users[i]!;
          const to = users[(i + 1 + (n % (CLIENTS - 1))) % CLIENTS]!;
          const res = await api(
            base,
            'POST',
            '/api/v1/transfers',
            { from_account_id: from.accountId, to: to.accountNumber, amount: 1 + ((i * 31 + n) % 50), memo: `c${i}-${n}` },
            from.token,
          );
          assert.equal(res.status, 201, JSON.stringify(res.json));
          answered++;
        }
      };
      const load = Promise.all(users.map((_, i) => client(i)));
      await waitFor(60);
      const backup = await runCli(['backup', backupFile], liveEnv);
      const atBackup = answered;
      assert.equal(backup.code, 0, backup.stdout + backup.stderr);
      assert.match(backup.stdout, /backed up .* to .*backup\.sqlite/);
      // The load goes on after the backup, so the live books move past it.
      await waitFor(atBackup + 60);

      stop = true;
      await load;
      // Restoring over a database the server holds open is refused, even with --force.
      const busy = await runCli(['restore', '--force', backupFile], liveEnv);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /in use/);

      server.kill('SIGTERM');
      assert.equal(await server.exited, 0);

      const restoredEnv = childEnv(restoredDir);
      const restore = await runCli(['restore', backupFile], restoredEnv);
      assert.equal(restore.code, 0, restore.stdout + restore.stderr);
      assert.match(restore.stdout, /books are sound/);
      const again = await runCli(['restore', backupFile], restoredEnv);
      assert.equal(again.code, 1, 'a database with data is not replaced without --force');
      assert.match(again.stderr, /--force/);
      const stats = await runCli(['stats', '--json'], restoredEnv);
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(JSON.parse(stats.stdout).circulation.USD, String(CLIENTS * DEPOSIT), 'transfers conserve the money deposited');

      const live = storageAt(liveDir);
      const restored = storageAt(restoredDir);
      try {
        const restoredTxns = await restored.db.selectFrom('ledger_transactions').select(['seq', 'id']).orderBy('seq').execute();
        const cut = restoredTxns.at(-1)!.seq;
        const liveTxns = await live.db.selectFrom('ledger_transactions').select(['seq', 'id']).orderBy('seq').execute();
        assert.ok(restoredTxns.length > CLIENTS, 'the backup holds transfers made under load');
        assert.ok(liveTxns.length > restoredTxns.length, 'the live books moved on after the backup');
        // A consistent moment: exactly the transactions committed up to it, no gap, nothing half there.
        assert.deepEqual(
          restoredTxns.map((t) => t.id),
          liveTxns.filter((t) => t.seq <= cut).map((t) => t.id),
        );
        // Every balance is what the live ledger says it was at that moment.
        const liveAtCut = await live.db
          .selectFrom('entries')
          .select(['account_id', (eb) => eb.fn.sum<string>('amount').as('total')])
          .where('transaction_seq', '<=', cut)
          .groupBy('account_id')
          .execute();
        const expected = new Map(liveAtCut.map((r) => [r.account_id, BigInt(r.total)]));
        const balances = await restored.db.selectFrom('accounts').select(['id', 'balance']).execute();
        assert.equal(balances.length, expected.size);
        for (const account of balances) assert.equal(BigInt(account.balance), expected.get(account.id), `account ${account.id}`);
        console.log(`backup: ${restoredTxns.length} of ${liveTxns.length} transactions in the backup (${atBackup} transfers answered when it finished)`);
      } finally {
        await live.close();
        await restored.close();
      }
    } finally {
      await ensureStopped(server);
      fs.rmSync(liveDir, { recursive: true, force: true });
      fs.rmSync(restoredDir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a minibank database and changes nothing', { timeout: 180_000 }, async () => {
    const dataDir = tempDataDir();
    try {
      const junk = path.join(dataDir, 'junk.sqlite');
      fs.writeFileSync(junk, 'not a database at all');
      const result = await runCli(['restore', junk], childEnv(dataDir));
      assert.equal(result.code, 1);
      assert.match(result.stderr, /not a usable SQLite database/);
      assert.equal(fs.existsSync(path.join(dataDir, 'minibank.sqlite')), false);
      const usage = await runCli(['backup'], childEnv(dataDir));
      assert.equal(usage.code, 2, 'a missing argument is a usage error');
      assert.match(usage.stderr, /Usage: minibank backup/);
      const help = await runCli(['restore', '--help'], childEnv(dataDir));
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Usage: minibank restore/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('prints the pg_dump command for PostgreSQL, without the password, and exits 1', { timeout: 120_000 }, async () => {
    const dataDir = tempDataDir();
    try {
      const result = await runCli(
        ['backup', path.join(dataDir, 'bank.dump')],
        childEnv(dataDir, { DATABASE_URL: 'postgres://bank:hunter2secret@db.internal:5432/minibank' }),
      );
      assert.equal(result.code, 1);
      assert.match(result.stdout, /^pg_dump --format=custom .*bank\.dump.*postgres:\/\/bank:\*\*\*@db\.internal:5432\/minibank/);
      assert.equal((result.stdout + result.stderr).includes('hunter2secret'), false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
