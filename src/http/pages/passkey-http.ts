/**
 * What the passkey routes share: the challenge cookie (HttpOnly, SameSite=Strict, five minutes,
 * `__Host-` and Secure under HTTPS like every other cookie), the relying party for this request,
 * and the browser's credential from a form field.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCredentialJson } from '../../app/passkey-assertion.js';
import { relyingParty, type RelyingParty } from '../../app/passkey-relying-party.js';
import { CHALLENGE_TTL_MS } from '../../app/webauthn-challenge.js';
import { field } from './forms.js';

const nameOf = (secure: boolean) => (secure ? '__Host-webauthn' : 'webauthn');

export function readChallengeCookie(request: FastifyRequest): string | null {
  const value = request.cookies?.[nameOf(request.server.cookiePolicy.secure)];
  return typeof value === 'string' && value.length <= 64 ? value : null;
}

export function setChallengeCookie(reply: FastifyReply, value: string): void {
  const policy = reply.server.cookiePolicy;
  reply.setCookie(nameOf(policy.secure), value, { ...policy.base, sameSite: 'strict', maxAge: CHALLENGE_TTL_MS / 1000 });
}

export function clearChallengeCookie(reply: FastifyReply): void {
  const policy = reply.server.cookiePolicy;
  reply.clearCookie(nameOf(policy.secure), { ...policy.base, sameSite: 'strict' });
}

/** PUBLIC_URL's relying party, or this request's own origin when PUBLIC_URL is empty (passkey-relying-party.ts). */
export function relyingPartyOf(request: FastifyRequest): RelyingParty {
  return relyingParty(request.server.ctx.config.publicUrl, `${request.protocol}://${request.host}`);
}

const CREDENTIAL_MAX_CHARS = 16_384;

/** The `credential` field: the JSON the browser library produced; null when absent or not one. */
export function credentialField(request: FastifyRequest): Record<string, unknown> | null {
  const body = request.body as Record<string, unknown> | undefined;
  const raw = body?.credential;
  // Read directly: forms.ts' field() cuts at 1 KiB, and an attestation is larger.
  if (typeof raw !== 'string' || raw.length > CREDENTIAL_MAX_CHARS) return null;
  return parseCredentialJson(raw);
}

/** A JSON refusal for the script (the error body the API uses). */
export function jsonError(reply: FastifyReply, status: number, code: string, message: string, param?: string): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ error: { code, message, ...(param ? { param } : {}) } });
}

export { field };
