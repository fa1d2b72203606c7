import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { dialects, TEST_SECRET } from '../helpers/harness.js';
import { createTempPgDatabase, type TempDatabase } from '../helpers/postgres.js';
import { api, childEnv, ensureStopped, runCli, signUpAndDeposit, startChildServer, tempDataDir, type ChildServer } from './child-server.js';

const WORKERS = 8;
const RESPONSES_BEFORE_SIGTERM = 120;

interface Outcome {
  memo: string;
  status: number | null;
  transactionId: string | null;
  /** The error code of a refusal. */
  code: string | null;
  afterSigterm: boolean;
}

for (const dialect of await dialects()) {
  describe(`graceful shutdown of the real server (${dialect})`, () => {
    it('finishes what it answered, half-does nothing, exits 0 and leaves sound books when SIGTERM lands during transfers', { timeout: 180_000 }, async () => {
      const dataDir = tempDataDir();
      let pg: TempDatabase | undefined;
      let server: ChildServer | undefined;
      try {
        pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
        // The access log on stdout this time (ACCESS_LOG=-), next to the JSON lines.
        const env = childEnv(dataDir, { DATABASE_URL: pg?.url ?? '', SHUTDOWN_TIMEOUT_MS: '20000', ACCESS_LOG: '-' });
        server = await startChildServer(env);
        const base = server.url;
        const users = await Promise.all(['ann', 'ben', 'cat', 'dan'].map((name) => signUpAndDeposit(base, name, 1_000_000)));

        const outcomes: Outcome[] = [];
        let sigtermSent = false;
        let answered = 0;
        let signalled!: () => void;
        const enough = new Promise<void>((resolve) => (signalled = resolve));
        const worker = async (w: number) => {
          for (let n = 0; ; n++) {
            const from = users[(w + n) % users.length]!;
            const to = users[(w + n + 1) % users.length]!;
            const memo = `w${w}-${n}`;
            const afterSigterm = sigtermSent;
            try {
              const res = await api(
                base,
                'POST',
                '/api/v1/transfers',
                { from_account_id: from.accountId, to: to.accountNumber, amount: 1 + (n % 97), memo },
                from.token,
              );
              outcomes.push({
                memo,
                status: res.status,
                transactionId: res.status === 201 ? res.json.transaction.id : null,
                code: res.json?.error?.code ?? null,
                afterSigterm,
              });
              if (++answered >= RESPONSES_BEFORE_SIGTERM) signalled();
            } catch {
              // No answer (connection refused or cut): its fate is unknown to the client, so not asserted.
              outcomes.push({ memo, status: null, transactionId: null, code: null, afterSigterm });
              if (sigtermSent) return;
            }
          }
        };
        const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
        await enough;
        sigtermSent = true;
        server.kill('SIGTERM');
        const exitCode = await server.exited;
        await load;

        assert.equal(exitCode, 0, server.stderr.join('\n'));
        assert.ok(server.stdout.some((l) => l.includes('"msg":"shutdown complete"') && l.includes('"cut":false')));

        // Nothing lost at shutdown: one access-log line for every transfer that was answered.
        const clfTransfers = server.stdout.filter((l) => /^127\.0\.0\.1 - \w+ \[[^\]]+ \+0000\] "POST \/api\/v1\/transfers HTTP\/1\.1" 201 \d+$/.test(l));
        assert.equal(clfTransfers.length, outcomes.filter((o) => o.status === 201).length);
        const clfRefusals = server.stdout.filter((l) => /"POST \/api\/v1\/transfers HTTP\/1\.1" 503 \d+$/.test(l));
        assert.equal(clfRefusals.length, outcomes.filter((o) => o.status === 503).length, 'refusals while draining are logged too');
        assert.equal(fs.existsSync(`${dataDir}/access.log`), false);

        const config = loadConfig({}, { dataDir, secret: TEST_SECRET, databaseUrl: pg?.url ?? '' });
        const storage = openStorage(config);
        try {
          const rows = await storage.db.selectFrom('ledger_transactions').select(['id', 'memo']).where('type', '=', 'transfer').execute();
          const byMemo = new Map(rows.map((r) => [r.memo, r.id]));
          const ok = outcomes.filter((o) => o.status === 201);
          for (const o of ok) assert.equal(byMemo.get(o.memo), o.transactionId, `answered transfer ${o.memo} is in the ledger`);
          const refused = outcomes.filter((o) => o.status !== null && o.status !== 201);
          for (const o of refused) {
            assert.equal(o.status, 503, `only "shutting down" refusals are expected, got ${o.status}`);
            assert.equal(o.code, 'unavailable', "the contract's 503");
            assert.equal(byMemo.has(o.memo), false, `refused transfer ${o.memo} moved no money`);
          }
          const unanswered = outcomes.filter((o) => o.status === null);
          // Figures, not assertions: how the load met the shutdown on this machine.
          console.log(
            `shutdown (${dialect}): ${ok.length} transfers answered 201 (${ok.filter((o) => o.afterSigterm).length} after SIGTERM), ` +
              `${refused.length} answered 503, ${unanswered.length} unanswered (${unanswered.filter((o) => byMemo.has(o.memo)).length} of those committed)`,
          );
        } finally {
          await storage.close();
        }

        const verify = await runCli(['verify'], env);
        assert.equal(verify.code, 0, verify.stdout + verify.stderr);
        assert.match(verify.stdout, /books are sound/);
        if (dialect === 'sqlite')
          assert.equal(
            fs.existsSync(`${dataDir}/minibank.sqlite-wal`) && fs.statSync(`${dataDir}/minibank.sqlite-wal`).size > 0,
            false,
            'the WAL was checkpointed at close',
          );
      } finally {
        await ensureStopped(server);
        await pg?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('exits at once on a second signal', { timeout: 120_000 }, async () => {
      const dataDir = tempDataDir();
      let pg: TempDatabase | undefined;
      let server: ChildServer | undefined;
      try {
        pg = dialect === 'postgres' ? await createTempPgDatabase() : undefined;
        server = await startChildServer(childEnv(dataDir, { DATABASE_URL: pg?.url ?? '', SHUTDOWN_TIMEOUT_MS: '60000' }));
        // A keep-alive connection with a request still arriving holds the graceful shutdown open.
        const socket = await import('node:net').then((net) => net.connect(Number(new URL(server!.url).port), '127.0.0.1'));
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write('POST /api/v1/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user');
        await new Promise((resolve) => setTimeout(resolve, 100));
        server.kill('SIGTERM');
        for (let i = 0; i < 100 && !server.stdout.some((l) => l.includes('shutting down')); i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal((await api(server.url, 'GET', '/readyz').catch(() => ({ status: 0 }))).status !== 200, true, 'not ready while draining');
        server.kill('SIGTERM');
        assert.equal(await server.exited, 1);
        assert.ok(server.stdout.some((l) => l.includes('second signal')));
        socket.destroy();
      } finally {
        await ensureStopped(server);
        await pg?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
}
