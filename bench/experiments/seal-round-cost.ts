/**
 * What one PostgreSQL sealing round costs per link, for each version of `minibank_seal_round`
 * (migration 021, and 022's leaner one): seeds a bank whose history holds `--backlog` transfers,
 * none sealed, then, in turns, installs each version (its migration's own `up`) and times
 * `--calls` rounds of `--limit` links, each rolled back (and the chain vacuumed) so every call seals
 * the same backlog. Prints
 * each turn's median ms per round and us per link, the medians over the turns and the ratio, and
 * checks that both versions seal the very same hashes.
 *
 *   npx tsx bench/experiments/seal-round-cost.ts [--backlog 20000] [--limit 5000] [--turns 6] [--calls 5]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import * as round021 from '../../src/storage/migrations/021-seal-in-database.js';
import * as round022 from '../../src/storage/migrations/022-seal-round-leaner.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { createPgDatabase } from '../lib/pg-database.js';
import { seedBank } from '../lib/seed.js';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const [backlog, limit, turns, calls] = [flag('--backlog', 20_000), flag('--limit', 5000), flag('--turns', 6), flag('--calls', 5)];
const pgUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const versions = [
  { name: '021', up: round021.up },
  { name: '022', up: round022.up },
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const database = await createPgDatabase(pgUrl, 'minibank_seal_cost');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'minibank-seal-cost-'));
const client = new pg.Client({ connectionString: database.url });
try {
  const config = loadConfig({ DATA_DIR: dataDir, SECRET: crypto.randomBytes(32).toString('hex'), RATE_LIMITS: 'off', DATABASE_URL: database.url });
  await seedBank(config, { accounts: 100, historySizes: [backlog], log: () => undefined });
  const storage = openStorage(config);
  await client.connect();
  /** Installs a version, then times `calls` rolled-back rounds; returns ms per round and the chain it sealed (md5). */
  const turn = async (version: (typeof versions)[number]) => {
    await version.up(storage.db as never, 'postgres');
    const times: number[] = [];
    let sealedChain = '';
    for (let i = 0; i < calls; i++) {
      await client.query('begin');
      const started = performance.now();
      await client.query('select * from minibank_seal_round($1, 0)', [limit]);
      times.push(performance.now() - started);
      const { rows } = await client.query<{ md5: string }>("select md5(string_agg(hash, ',' order by position)) as md5 from ledger_chain");
      sealedChain = rows[0]!.md5;
      await client.query('rollback');
      // A rolled-back round leaves its index entries behind; the next round's anti-join would probe them all.
      await client.query('vacuum ledger_chain');
    }
    return { ms: median(times), sealedChain };
  };
  const byVersion = versions.map(() => [] as number[]);
  const chains = new Set<string>();
  console.log(`| turn | version | ms per round of ${limit} | us per link |\n| --- | --- | --- | --- |`);
  for (let t = 0; t < turns; t++) {
    // Alternate which version goes first, as bench/compare.ts does.
    for (const k of t % 2 ? [1, 0] : [0, 1]) {
      const { ms, sealedChain } = await turn(versions[k]!);
      chains.add(sealedChain);
      byVersion[k]!.push(ms);
      console.log(`| ${t + 1} | ${versions[k]!.name} | ${ms.toFixed(1)} | ${((ms * 1000) / limit).toFixed(2)} |`);
    }
  }
  const [old, leaner] = byVersion.map(median) as [number, number];
  console.log(`\nmedians: 021 ${old.toFixed(1)} ms, 022 ${leaner.toFixed(1)} ms per round; 022/021 = ${(leaner / old).toFixed(3)}`);
  console.log(chains.size === 1 ? 'both versions sealed the same hashes' : `the versions sealed DIFFERENT chains: ${[...chains].join(', ')}`);
  await storage.close();
  if (chains.size !== 1) process.exitCode = 1;
} finally {
  await client.end().catch(() => undefined);
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
