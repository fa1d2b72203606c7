/**
 * API access tokens: JWTs signed with HS256 through `jose`, the algorithm pinned on verification,
 * and `exp`, `iat`, `nbf`, `iss`, `aud` and `jti` set and checked. Each key carries a `kid` derived
 * from the secret (a hash prefix, never the secret), so a previous secret can keep verifying its
 * tokens while a new one signs.
 */
import crypto from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';

export interface TokenSigner {
  sign(claims: { userId: string; jti: string; nowMs: number }): Promise<string>;
  /** The `sub` and `jti` of a valid token, or null for anything invalid, expired or forged. */
  verify(token: string, nowMs: number): Promise<{ userId: string; jti: string } | null>;
  readonly ttlSeconds: number;
}

interface SigningKey {
  kid: string;
  key: Uint8Array;
}

function keyFromSecret(secret: string): SigningKey {
  const key = new TextEncoder().encode(secret);
  const kid = crypto.createHash('sha256').update(key).digest('base64url').slice(0, 12);
  return { kid, key };
}

export function createTokenSigner(options: { secret: string; previousSecrets?: string[]; issuer: string; audience: string; ttlSeconds: number }): TokenSigner {
  const current = keyFromSecret(options.secret);
  const keys = new Map<string, Uint8Array>([[current.kid, current.key]]);
  for (const old of options.previousSecrets ?? []) {
    const k = keyFromSecret(old);
    keys.set(k.kid, k.key);
  }
  // Tokens whose signature already checked out, with their time window: the same token comes back on
  // every request, and verifying an HMAC through WebCrypto (key import, async job) is a large part
  // of a cheap request. Only valid tokens are remembered, so a flood of forgeries cannot fill it;
  // liveness (logout, revocation) is still checked in the database on every request by the caller.
  const verified = new Map<string, { claims: { userId: string; jti: string }; nbf: number; exp: number }>();
  return {
    ttlSeconds: options.ttlSeconds,
    async sign({ userId, jti, nowMs }) {
      const iat = Math.floor(nowMs / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: current.kid })
        .setSubject(userId)
        .setJti(jti)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + options.ttlSeconds)
        .sign(current.key);
    },
    async verify(token, nowMs) {
      const known = verified.get(token);
      if (known) {
        // The same rule jose applies: valid from nbf, expired from exp (seconds, no tolerance).
        const now = Math.floor(nowMs / 1000);
        return known.nbf <= now && now < known.exp ? known.claims : null;
      }
      try {
        const { payload } = await jwtVerify(
          token,
          (header) => {
            const key = header.kid ? keys.get(header.kid) : undefined;
            if (!key) throw new errors.JWKSNoMatchingKey();
            return key;
          },
          {
            algorithms: ['HS256'],
            issuer: options.issuer,
            audience: options.audience,
            currentDate: new Date(nowMs),
            requiredClaims: ['sub', 'jti', 'exp', 'iat', 'nbf'],
          },
        );
        const claims = claimsOf(payload);
        if (claims && typeof payload.nbf === 'number' && typeof payload.exp === 'number') {
          if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value as string);
          verified.set(token, { claims, nbf: payload.nbf, exp: payload.exp });
        }
        return claims;
      } catch {
        return null;
      }
    },
  };
}

/** Bound on remembered valid tokens (oldest forgotten first; a forgotten one is simply verified again). */
const VERIFIED_TOKENS_MAX = 10_000;

function claimsOf(payload: JWTPayload): { userId: string; jti: string } | null {
  if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string') return null;
  return { userId: payload.sub, jti: payload.jti };
}
