/**
 * What the security headers and the rate limiter cost per request: the same hello-world route served
 * three ways, each in its own child process on 127.0.0.1, measured with autocannon in interleaved
 * rounds (bare, headers, headers + rate limiter, then again) so drift on a noisy machine hits all
 * three alike. Prints requests/s per variant (median of rounds) and the ratio to bare.
 *
 *   npx tsx bench/security-overhead.ts [--seconds 5] [--rounds 3] [--connections 50]
 *
 * The rate limiter runs with its real settings path but a limit so high that nothing is refused:
 * the figure is the cost of counting, which every request pays, not of refusing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import errorsPlugin from '../src/http/plugins/errors.js';
import rateLimitPlugin from '../src/http/plugins/rate-limit.js';
import securityHeadersPlugin from '../src/http/plugins/security-headers.js';

type Variant = 'bare' | 'headers' | 'headers+ratelimit';
const VARIANTS: Variant[] = ['bare', 'headers', 'headers+ratelimit'];

async function serve(variant: Variant): Promise<void> {
  const app = Fastify({ logger: false });
  // Every variant gets the same error handler; it only acts on errors, which a hello-world never has.
  await app.register(errorsPlugin);
  if (variant !== 'bare') {
    // The plugins read only the configuration (and storage only to audit a refusal, which never happens here).
    const config = loadConfig({}, { rateLimits: true, rateLimitGlobalPerMinute: 1_000_000_000 });
    app.decorate('ctx', { config } as never);
    await app.register(securityHeadersPlugin);
    if (variant === 'headers+ratelimit') await app.register(rateLimitPlugin, { redis: null });
  }
  app.get('/', async () => ({ hello: 'world' }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`listening ${address}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

function start(variant: Variant): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', variant], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`${variant} server exited with ${code}`)));
  });
}

async function measure(url: string, seconds: number, connections: number): Promise<number> {
  const result = await autocannon({ url, duration: seconds, connections, pipelining: 1 });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

async function main(): Promise<void> {
  const seconds = Math.min(flag('seconds', 5), 60);
  const rounds = Math.min(flag('rounds', 3), 10);
  const connections = flag('connections', 50);
  const servers = new Map<Variant, { child: ChildProcess; url: string }>();
  try {
    for (const v of VARIANTS) servers.set(v, await start(v));
    for (const v of VARIANTS) await measure(servers.get(v)!.url, 1, connections); // warm-up (JIT)
    const figures = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of VARIANTS) {
        const rps = await measure(servers.get(v)!.url, seconds, connections);
        figures.get(v)!.push(rps);
        console.error(`round ${r + 1}/${rounds} ${v}: ${Math.round(rps)} req/s`);
      }
    }
    const bare = median(figures.get('bare')!);
    console.log(`\nsecurity overhead on a hello-world (${rounds} rounds of ${seconds}s, ${connections} connections, median req/s)`);
    console.log('| variant | req/s | ratio to bare |');
    console.log('| --- | ---: | ---: |');
    for (const v of VARIANTS) {
      const m = median(figures.get(v)!);
      console.log(`| ${v} | ${Math.round(m)} | ${(m / bare).toFixed(3)} |`);
    }
  } finally {
    for (const { child } of servers.values()) child.kill('SIGTERM');
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3] as Variant);
else await main();
