/**
 * Links that leave the server (emails) start with PUBLIC_URL, never with a request's Host or
 * forwarded headers, which a client chooses (contract "Recovery and notifications"; the classic
 * password-reset poisoning). Without PUBLIC_URL the configured HOST and PORT are used.
 */
import type { Config } from '../config.js';

/** `path` (starting with "/") on the bank's public origin, with `query` appended (URL-encoded). */
export function publicLink(config: Pick<Config, 'publicUrl' | 'host' | 'port'>, path: string, query: Record<string, string> = {}): string {
  const origin = config.publicUrl
    ? config.publicUrl.replace(/\/+$/, '')
    : `http://${['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host}:${config.port}`;
  const search = new URLSearchParams(query).toString();
  return `${origin}${path}${search ? `?${search}` : ''}`;
}

/** Text made safe for an HTML email body. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
