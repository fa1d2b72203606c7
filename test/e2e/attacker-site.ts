/**
 * A hostile page on another port of 127.0.0.1: it serves forms that post themselves to the bank the
 * moment they load (the classic CSRF attack). 127.0.0.1 on another port is another origin but the
 * same site, so the browser still sends the SameSite=Lax session cookie: only the bank's own CSRF
 * defences (token, Origin / Sec-Fetch-Site) stand in the way, which is what the suite must prove.
 */
import http from 'node:http';
import type net from 'node:net';

export interface AttackerSite {
  origin: string;
  /** The URL of a page that auto-posts `fields` to `target`. */
  pageUrl(target: string, fields: Record<string, string>): string;
  close(): Promise<void>;
}

export async function startAttackerSite(): Promise<AttackerSite> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://attacker.invalid');
    if (url.pathname !== '/attack') {
      res.writeHead(404).end();
      return;
    }
    const target = url.searchParams.get('target') ?? '';
    const fields = JSON.parse(url.searchParams.get('fields') ?? '{}') as Record<string, string>;
    const inputs = Object.entries(fields)
      .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><title>You won a prize</title>` +
        `<form id="f" method="post" action="${escapeHtml(target)}">${inputs}</form>` +
        `<script>document.getElementById('f').submit()</script>`,
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    pageUrl: (target, fields) => `${origin}/attack?${new URLSearchParams({ target, fields: JSON.stringify(fields) }).toString()}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
