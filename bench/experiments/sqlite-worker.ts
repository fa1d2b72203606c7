/**
 * Experiment: does moving SQLite work off the event loop (a worker thread) help durable transfers?
 *
 * Both modes run the same group-committed batches of the same nine statements a transfer makes
 * (key claim, payer, payee, debit, credit, ledger row, two entries, stored response) with
 * synchronous=FULL, while the main thread also spends `--http-us` of CPU per request, standing in
 * for what Fastify, auth and JSON cost. `main`: batches run on the event loop (what minibank does).
 * `worker`: the main thread ships each batch's parameters to a worker that owns the connection.
 * Printed: transfers per second and the main thread's busy share (event-loop utilisation).
 *
 *   npx tsx bench/experiments/sqlite-worker.ts [--seconds 5] [--http-us 150] [--clients 50]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface Transfer {
  key: string;
  from: string;
  to: string;
  amount: number;
}

const ACCOUNTS = 1000;

function open(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const s = {
    claim: db.prepare('insert into idem (user_id, key, body) values (?, ?, null) on conflict do nothing'),
    find: db.prepare('select * from accounts where id = ?'),
    debit: db.prepare('update accounts set balance = balance - ? where id = ? and balance >= ? returning balance'),
    credit: db.prepare('update accounts set balance = balance + ? where id = ? returning balance'),
    ledger: db.prepare('insert into ledger (id, created_at) values (?, ?) returning seq'),
    entry: db.prepare('insert into entries (tx, account, amount, balance_after) values (?, ?, ?, ?)'),
    store: db.prepare('update idem set body = ? where user_id = ? and key = ?'),
  };
  const apply = (t: Transfer): boolean => {
    db.exec('savepoint unit');
    try {
      s.claim.run(t.from, t.key);
      s.find.get(t.from);
      s.find.get(t.to);
      const debited = s.debit.get(t.amount, t.from, t.amount) as { balance: number } | undefined;
      if (!debited) throw new Error('insufficient_funds');
      const credited = s.credit.get(t.amount, t.to) as { balance: number };
      const { seq } = s.ledger.get(crypto.randomUUID(), Date.now()) as { seq: number };
      s.entry.run(seq, t.from, -t.amount, debited.balance);
      s.entry.run(seq, t.to, t.amount, credited.balance);
      s.store.run('{"transaction":{}}', t.from, t.key);
      db.exec('release unit');
      return true;
    } catch {
      db.exec('rollback to unit');
      db.exec('release unit');
      return false;
    }
  };
  const batch = (transfers: Transfer[]): boolean[] => {
    db.exec('begin immediate');
    const out = transfers.map(apply);
    db.exec('commit');
    return out;
  };
  return { db, batch };
}

function setup(file: string): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`create table accounts (id text primary key, balance integer not null);
           create table ledger (seq integer primary key autoincrement, id text not null unique, created_at integer not null);
           create table entries (seq integer primary key autoincrement, tx integer not null references ledger(seq), account text not null, amount integer not null, balance_after integer not null);
           create index entries_account on entries (account, seq);
           create table idem (user_id text not null, key text not null, body text, primary key (user_id, key));`);
  const insert = db.prepare('insert into accounts values (?, ?)');
  db.transaction(() => {
    for (let i = 0; i < ACCOUNTS; i++) insert.run(`acct-${i}`, 1_000_000_000);
  })();
  db.close();
}

if (!isMainThread) {
  const { batch } = open(workerData.file as string);
  parentPort!.on('message', (m: { id: number; transfers: Transfer[] }) => parentPort!.postMessage({ id: m.id, results: batch(m.transfers) }));
} else {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const seconds = arg('seconds', 5);
  const httpUs = arg('http-us', 150);
  const clients = arg('clients', 50);

  const spin = (us: number) => {
    const end = performance.now() + us / 1000;
    while (performance.now() < end);
  };
  const randomTransfer = (): Transfer => {
    const a = Math.floor(Math.random() * ACCOUNTS);
    const b = (a + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
    return { key: crypto.randomUUID(), from: `acct-${a}`, to: `acct-${b}`, amount: 1 + Math.floor(Math.random() * 100) };
  };

  async function run(mode: 'main' | 'worker'): Promise<{ perSecond: number; mainBusy: number }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-worker-exp-'));
    const file = path.join(dir, 'db.sqlite');
    setup(file);
    let commitBatch: (t: Transfer[]) => Promise<boolean[]>;
    let stop: () => Promise<void>;
    if (mode === 'main') {
      const { db, batch } = open(file);
      commitBatch = async (t) => batch(t);
      stop = async () => void db.close();
    } else {
      // A TypeScript worker: register tsx inside it, then load this same file.
      const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
      const worker = new Worker(bootstrap, { eval: true, workerData: { file } });
      const pending = new Map<number, (r: boolean[]) => void>();
      let next = 0;
      worker.on('message', (m: { id: number; results: boolean[] }) => pending.get(m.id)?.(m.results));
      commitBatch = (t) =>
        new Promise((resolve) => {
          const id = next++;
          pending.set(id, (r) => {
            pending.delete(id);
            resolve(r);
          });
          worker.postMessage({ id, transfers: t });
        });
      stop = async () => void (await worker.terminate());
      await commitBatch([]); // the worker has opened the database
    }
    // The same batcher shape as src/storage/group-commit.ts: queue while a batch is out.
    const queue: { t: Transfer; done: () => void }[] = [];
    let draining = false;
    const drain = async () => {
      while (queue.length) {
        const batch = queue.splice(0, 64);
        await commitBatch(batch.map((q) => q.t));
        for (const q of batch) q.done();
      }
      draining = false;
    };
    const submit = (t: Transfer) =>
      new Promise<void>((done) => {
        queue.push({ t, done });
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    let completed = 0;
    const deadline = performance.now() + seconds * 1000;
    const elu0 = performance.eventLoopUtilization();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < deadline) {
          // A request arrives: parsing, auth, validation... then its transfer, then the response.
          await new Promise((r) => setImmediate(r));
          spin(httpUs / 2);
          await submit(randomTransfer());
          spin(httpUs / 2);
          completed++;
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    const elu = performance.eventLoopUtilization(elu0);
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
    return { perSecond: completed / elapsed, mainBusy: elu.utilization };
  }

  for (const mode of ['main', 'worker', 'main', 'worker'] as const) {
    const r = await run(mode);
    console.log(`${mode.padEnd(6)} ${r.perSecond.toFixed(0).padStart(6)} transfers/s, main thread busy ${(r.mainBusy * 100).toFixed(0)} %`);
  }
}
