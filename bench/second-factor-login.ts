/**
 * What a second factor costs the server per sign-in (issue 13 "done means"): process CPU time
 * (process.cpuUsage: user + system, every thread, so argon2id on the libuv pool counts) around N
 * sign-ins through app.inject on SQLite, one at a time, for:
 *
 *   web, password only         POST /login of a user without a second factor (session opened)
 *   web, password step (TOTP)  POST /login of a user with TOTP (half-signed-in state, no session)
 *   web, second page (TOTP)    POST /login/second-factor with a fresh code (session opened)
 *   API, password only         POST /api/v1/auth/token
 *   API, password + otp        POST /api/v1/auth/token with a TOTP code
 *
 *   npx tsx bench/second-factor-login.ts [--n 200]
 *
 * The clock is moved 30 s before each TOTP sign-in, so every code is fresh (a step is used once per
 * user). Rate limits are off; the login throttle clears on every success. Figures are per sign-in,
 * in ms of CPU; the GET /login that fetches the form's CSRF token is not counted.
 */
import { codeAt, enrolTotp, manualClock } from '../test/helpers/second-factor.js';
import { createHarness, PASSWORD, type Harness } from '../test/helpers/harness.js';
import { Browser } from '../test/pages/browser.js';

type Clock = ReturnType<typeof manualClock>;

const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** Runs `signIn` n times; returns the CPU ms per run, counted only inside `measured` sections. */
async function perSignIn(n: number, signIn: (measured: <T>(work: () => Promise<T>) => Promise<T>) => Promise<void>): Promise<number> {
  let total = 0;
  const measured = async <T>(work: () => Promise<T>): Promise<T> => {
    const start = process.cpuUsage();
    try {
      return await work();
    } finally {
      total += cpuMs(start);
    }
  };
  for (let i = 0; i < n; i++) await signIn(measured);
  return total / n;
}

async function figures(h: Harness, clock: Clock, secret: string, n: number): Promise<Record<string, number>> {
  const expect = (status: number, want: number, what: string) => {
    if (status !== want) throw new Error(`${what}: ${status}`);
  };
  const webPlain = await perSignIn(n, async (measured) => {
    const b = new Browser(h.app);
    await b.get('/login');
    expect((await measured(() => b.post('/login', { username: 'plain', password: PASSWORD }))).status, 303, 'plain login');
  });
  let passwordStep = 0;
  const secondPage = await perSignIn(n, async (measured) => {
    clock.advanceSteps(1);
    const b = new Browser(h.app);
    await b.get('/login');
    const start = process.cpuUsage();
    expect((await b.post('/login', { username: 'guarded', password: PASSWORD })).status, 303, 'password step');
    passwordStep += cpuMs(start);
    await b.get('/login/second-factor');
    const done = await measured(() => b.post('/login/second-factor', { code: codeAt(secret, clock) }));
    expect(done.status, 303, 'second page');
  });
  const apiPlain = await perSignIn(n, async (measured) => {
    const res = await measured(() => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'plain', password: PASSWORD } }));
    expect(res.statusCode, 200, 'api plain');
  });
  const apiOtp = await perSignIn(n, async (measured) => {
    clock.advanceSteps(1);
    const payload = { username: 'guarded', password: PASSWORD, otp: codeAt(secret, clock) };
    const res = await measured(() => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload }));
    expect(res.statusCode, 200, 'api otp');
  });
  return {
    'web, password only': webPlain,
    'web, password step (TOTP user)': passwordStep / n,
    'web, second page (TOTP code)': secondPage,
    'web, both steps (TOTP user)': passwordStep / n + secondPage,
    'API, password only': apiPlain,
    'API, password + otp': apiOtp,
  };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--n');
  const n = i >= 0 ? Math.max(1, Math.min(5000, Number(process.argv[i + 1]) || 200)) : 200;
  const clock = manualClock();
  const h = await createHarness('sqlite', { clock, config: { rateLimits: false } });
  try {
    await h.user('plain');
    const { secret } = await enrolTotp(h, await h.user('guarded'), clock);
    await figures(h, clock, secret, Math.min(20, n)); // warm-up (JIT, statement caches)
    const result = await figures(h, clock, secret, n);
    const base = result['web, password only']!;
    process.stdout.write(`server CPU per sign-in, ${n} sign-ins each, SQLite, node ${process.version}\n`);
    for (const [name, ms] of Object.entries(result)) {
      process.stdout.write(`${name.padEnd(34)} ${ms.toFixed(2).padStart(7)} ms   ${(ms / base).toFixed(2)}x web password only\n`);
    }
  } finally {
    await h.close();
  }
}

await main();
