/**
 * One-time messages after POST-redirect-GET ("Sent $12.50 to bob."). Carried in a short-lived,
 * signed, HttpOnly cookie, so nobody can plant a message through a link, and cleared by the page
 * that shows it.
 */
import type { FastifyReply } from 'fastify';

export interface Flash {
  kind: 'success' | 'info';
  text: string;
}

const MAX_CHARS = 300;

export function setFlash(reply: FastifyReply, flash: Flash): void {
  const policy = reply.server.cookiePolicy;
  const value = Buffer.from(JSON.stringify({ k: flash.kind, t: flash.text.slice(0, MAX_CHARS) }), 'utf8').toString('base64url');
  reply.setCookie(policy.names.flash, value, { ...policy.base, signed: true, maxAge: 120 });
}

/** The pending flash (and clears it), or null. */
export function readFlash(reply: FastifyReply): Flash | null {
  const policy = reply.server.cookiePolicy;
  const raw = reply.request.cookies?.[policy.names.flash];
  if (!raw) return null;
  reply.clearCookie(policy.names.flash, policy.base);
  const unsigned = reply.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return null;
  try {
    const parsed = JSON.parse(Buffer.from(unsigned.value, 'base64url').toString('utf8')) as { k?: unknown; t?: unknown };
    if ((parsed.k === 'success' || parsed.k === 'info') && typeof parsed.t === 'string') return { kind: parsed.k, text: parsed.t };
  } catch {
    // A damaged cookie is simply ignored.
  }
  return null;
}

/** POST-redirect-GET: 303 to `location`, with a flash for the page it lands on. */
export function redirectWithFlash(reply: FastifyReply, location: string, flash: Flash): FastifyReply {
  setFlash(reply, flash);
  return reply.redirect(location, 303);
}
