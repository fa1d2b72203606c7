/**
 * `npm run chaos -- [--backend sqlite|postgres] [--instances 1|2] [--seconds N] [--clients K] [--seed S]`
 * With `--backend postgres --instances 2` the cross-instance checks (revocation, sessions, shared
 * login limit through Redis) run after the load. Exit 0 when nothing was found, 1 when something
 * was, 2 on bad usage.
 */
import path from 'node:path';
import { DEFAULT_REDIS_URL, runCrossInstanceChecks } from './cross-instance.js';
import { parseArgs, UsageError } from './options.js';
import { runChaos } from './run-chaos.js';
import { redisAvailable } from './services.js';

const USAGE =
  'usage: npm run chaos -- [--backend sqlite|postgres] [--instances 1|2] [--seconds N] [--clients K] [--seed S] [--users 8-16] [--min-kills N] [--timeout-ms T] [--server bundle|tsx] [--pg-options OPTS] [--out DIR] [--keep] [--quiet]';

try {
  const options = parseArgs(process.argv.slice(2));
  const verdict = await runChaos(options);
  console.log(verdict.summary);
  let ok = verdict.ok;
  if (options.backend === 'postgres' && options.instances === 2) {
    if (await redisAvailable()) {
      const results = await runCrossInstanceChecks({
        seed: options.seed,
        outDir: path.join(options.outDir, 'cross-instance'),
        redisUrl: DEFAULT_REDIS_URL,
        server: options.server,
      });
      for (const r of results) console.log(`cross-instance ${r.status.toUpperCase()}: ${r.name} (${r.detail})`);
      ok &&= results.every((r) => r.status !== 'fail');
    } else {
      console.log('cross-instance TODO: Redis is not reachable; the shared login-limit check did not run');
    }
  }
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`chaos: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
