/**
 * A tiny browser over app.inject() for page tests: keeps cookies like a browser (Set-Cookie with
 * Max-Age=0 removes one), remembers the last page's CSRF token and idempotency key, and posts
 * urlencoded forms. Not a test file itself.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PASSWORD, type Harness } from '../helpers/harness.js';

export const STRONG_NEW_PASSWORD = 'violet tugboat harmonica 4417 glacier';

export interface Page {
  status: number;
  body: string;
  headers: LightMyRequestResponse['headers'];
  location: string | undefined;
  res: LightMyRequestResponse;
}

export class Browser {
  readonly jar = new Map<string, string>();
  lastBody = '';

  constructor(
    readonly app: FastifyInstance,
    readonly userAgent = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  ) {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private absorb(res: LightMyRequestResponse): Page {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.maxAge === 0 || c.value === '') this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    if ((res.headers['content-type'] ?? '').toString().startsWith('text/html')) this.lastBody = res.body;
    return { status: res.statusCode, body: res.body, headers: res.headers, location: res.headers.location, res };
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await this.app.inject({ method: 'GET', url, headers: { 'user-agent': this.userAgent, cookie: this.cookieHeader(), ...headers } });
    return this.absorb(res);
  }

  /** Posts a form; `_csrf` defaults to the token on the last HTML page seen. */
  async post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const body = new URLSearchParams({ _csrf: this.csrf(), ...fields });
    if (fields._csrf === '') body.delete('_csrf');
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': this.userAgent, cookie: this.cookieHeader(), ...headers },
    });
    return this.absorb(res);
  }

  /** Follows a 303 like a browser does (GET its Location); any other answer is returned as it is. */
  async follow(page: Page | Promise<Page>): Promise<Page> {
    const answer = await page;
    return answer.status === 303 && answer.location ? this.get(answer.location) : answer;
  }

  csrf(body = this.lastBody): string {
    return hidden(body, '_csrf') ?? '';
  }

  formKey(body = this.lastBody): string {
    return hidden(body, 'idempotency_key') ?? '';
  }
}

export function hidden(body: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(body);
  return match?.[1]
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

/** Signs a user up through the API and in through the login page; returns their browser. */
export async function signedIn(h: Harness, username: string, ua?: string): Promise<{ browser: Browser; user: Awaited<ReturnType<Harness['user']>> }> {
  const user = await h.user(username);
  const browser = new Browser(h.app, ua);
  await browser.get('/login');
  const res = await browser.post('/login', { username, password: PASSWORD });
  if (res.status !== 303) throw new Error(`login ${username}: ${res.status} ${res.body.slice(0, 500)}`);
  return { browser, user };
}

/**
 * A CSRF victim: signed in, holding 100.00, on the transfer form, with a `<name>-thief` account to
 * send it to. `confirmTransfer` is the form a forged post would submit (without its `_csrf`).
 */
export async function csrfVictim(h: Harness, name: string): Promise<{ browser: Browser; user: Awaited<ReturnType<Harness['user']>>; thief: string }> {
  const { browser, user } = await signedIn(h, name);
  await h.deposit(user, 10_000);
  const thief = `${name}-thief`;
  await h.user(thief);
  await browser.get('/transfer');
  return { browser, user, thief };
}

export const confirmTransfer = (browser: Browser, thief: string) => ({ to: thief, amount: '50', idempotency_key: browser.formKey(), step: 'confirm' });

/** Signs in another browser for an existing user. */
export async function anotherBrowser(h: Harness, username: string, ua?: string, password = PASSWORD): Promise<Browser> {
  const browser = new Browser(h.app, ua);
  await browser.get('/login');
  const res = await browser.post('/login', { username, password });
  if (res.status !== 303) throw new Error(`login ${username}: ${res.status}`);
  return browser;
}

/** A clock tests can move. */
export function manualClock(startMs = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
