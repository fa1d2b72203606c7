/**
 * What the running server offers, found by asking it: the bench measures the stack as it is, and
 * says which parts were present (pages, health checks, metrics, security headers, access log).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface StackParts {
  pages: boolean;
  healthz: boolean;
  readyz: boolean;
  metrics: boolean;
  securityHeaders: string[];
  accessLog: boolean;
}

export async function probeStack(url: string, token: string, dataDir: string): Promise<StackParts> {
  const status = async (p: string) => (await fetch(url + p, { redirect: 'manual' }).catch(() => null))?.status ?? 0;
  const me = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  const known = [
    'content-security-policy',
    'strict-transport-security',
    'x-content-type-options',
    'x-frame-options',
    'referrer-policy',
    'permissions-policy',
    'cross-origin-opener-policy',
  ];
  return {
    pages: (await status('/login')) === 200,
    healthz: (await status('/healthz')) === 200,
    readyz: (await status('/readyz')) === 200,
    metrics: (await status('/metrics')) === 200,
    securityHeaders: known.filter((h) => me.headers.has(h)),
    accessLog: fs.existsSync(path.join(dataDir, 'access.log')),
  };
}

/**
 * Signs in through the login page as a browser would (the form's hidden fields, CSRF token
 * included, and its cookies) and returns the Cookie header for a signed-in session, or a reason.
 */
export async function browserSession(url: string, username: string, password: string): Promise<{ cookie: string } | { skipped: string }> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq > 0) jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${url}/login`, { redirect: 'manual' });
  if (page.status !== 200) return { skipped: `GET /login answered ${page.status}: pages not built yet` };
  keep(page);
  const html = await page.text();
  const form = /<form[^>]*method=["']?post["']?[^>]*>([\s\S]*?)<\/form>/i.exec(html)?.[0] ?? html;
  const fields = new URLSearchParams();
  for (const input of form.matchAll(/<input\b[^>]*>/gi)) {
    const tag = input[0];
    const name = /\bname=["']([^"']+)["']/i.exec(tag)?.[1];
    const type = /\btype=["']([^"']+)["']/i.exec(tag)?.[1]?.toLowerCase();
    const value = /\bvalue=["']([^"']*)["']/i.exec(tag)?.[1] ?? '';
    if (name && type === 'hidden')
      fields.set(
        name,
        value
          .replace(/&amp;/g, '&')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'"),
      );
  }
  fields.set('username', username);
  fields.set('password', password);
  const action = /<form[^>]*action=["']([^"']+)["']/i.exec(form)?.[1] ?? '/login';
  const login = await fetch(url + action.replace(/&amp;/g, '&'), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie(), origin: url },
    body: fields.toString(),
  });
  keep(login);
  if (login.status >= 400) return { skipped: `POST /login answered ${login.status}` };
  const dashboard = await fetch(`${url}/dashboard`, { redirect: 'manual', headers: { cookie: cookie() } });
  if (dashboard.status !== 200) return { skipped: `GET /dashboard with the session answered ${dashboard.status}` };
  return { cookie: cookie() };
}
