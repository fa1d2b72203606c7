/**
 * `npm run chaos -- [--backend sqlite|postgres] [--instances 1|2] [--seconds N] [--clients K] [--seed S]`
 * Exit 0 when the run found no violation, 1 when it did, 2 on bad usage.
 */
import { parseArgs, UsageError } from './options.js';
import { runChaos } from './run-chaos.js';

try {
  const options = parseArgs(process.argv.slice(2));
  const verdict = await runChaos(options);
  console.log(verdict.summary);
  process.exitCode = verdict.ok ? 0 : 1;
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`chaos: ${error.message}\nusage: npm run chaos -- [--backend sqlite|postgres] [--instances 1|2] [--seconds N] [--clients K] [--seed S] [--users 8-16] [--min-kills N] [--timeout-ms T] [--server bundle|tsx] [--out DIR] [--keep] [--quiet]`);
    process.exitCode = 2;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
}
