/**
 * "Known device" tokens (OWASP's device-cookie defence against lockout abuse): after a successful
 * login a browser gets a signed token naming the username and a random device id. Later login
 * tries that present it for the same username are throttled per device, not per username, so an
 * attacker hammering the username cannot lock the owner out of the browsers they already use.
 *
 * Signed with jose (HS256, pinned), with a key derived from the signing secret by HKDF so a device
 * token can never be mistaken for an access token or the other way round (different key and `aud`).
 */
import crypto from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';

export const DEVICE_TOKEN_TTL_SECONDS = 180 * 24 * 60 * 60;
const AUDIENCE = 'minibank-known-device';

export interface KnownDevices {
  issue(username: string, deviceId: string, nowMs: number): Promise<string>;
  /** The device id when `token` is a valid device token for `username`, else null. */
  verify(token: string, username: string, nowMs: number): Promise<string | null>;
}

const deriveKey = (secret: string) => new Uint8Array(crypto.hkdfSync('sha256', secret, 'minibank', 'known-device-token', 32));

export function createKnownDevices(options: { secret: string; previousSecrets?: readonly string[]; issuer: string }): KnownDevices {
  const current = deriveKey(options.secret);
  const keys = [current, ...(options.previousSecrets ?? []).map(deriveKey)];
  return {
    async issue(username, deviceId, nowMs) {
      const iat = Math.floor(nowMs / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(username)
        .setJti(deviceId)
        .setIssuer(options.issuer)
        .setAudience(AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + DEVICE_TOKEN_TTL_SECONDS)
        .sign(current);
    },
    async verify(token, username, nowMs) {
      if (token.length > 1024) return null;
      for (const key of keys) {
        try {
          const { payload } = await jwtVerify(token, key, {
            algorithms: ['HS256'],
            issuer: options.issuer,
            audience: AUDIENCE,
            subject: username,
            currentDate: new Date(nowMs),
            requiredClaims: ['sub', 'jti', 'exp'],
          });
          return typeof payload.jti === 'string' ? payload.jti : null;
        } catch {
          // Try the next (previous) key; all failing means the token is not ours or not for this name.
        }
      }
      return null;
    },
  };
}
