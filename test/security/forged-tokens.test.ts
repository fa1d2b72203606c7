/**
 * Forged, altered, expired and revoked API tokens, crafted with jose. Each is sent with a deposit
 * request (a real state change): every one is 401 unauthenticated and no money moves.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { issueDeviceToken } from '../../src/app/sign-in.js';
import { auth, createHarness, dialects, TEST_SECRET, type Harness, type TestUser } from '../helpers/harness.js';
import { assertError, unchanged } from './attack-kit.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const partsOf = (token: string) => token.split('.') as [string, string, string];
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
const kidOf = (secret: string) => crypto.createHash('sha256').update(secret).digest('base64url').slice(0, 12);

for (const dialect of await dialects()) {
  describe(`attack: forged API tokens (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let claims: Record<string, unknown>;
    before(async () => {
      h = await createHarness(dialect);
      alice = await h.user('alice');
      await h.deposit(alice, 1000);
      claims = decode(partsOf(alice.token)[1]);
    });
    after(async () => h.close());

    /** A deposit with `token` is refused with 401 and moves nothing. */
    const refused = async (token: string) => {
      const res = await unchanged(h.app, () =>
        h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth({ token }), payload: { account_id: alice.accountId, amount: 100 } }),
      );
      assertError(res, 401, 'unauthenticated');
      assert.match(String(res.headers['www-authenticate']), /Bearer/);
    };

    const hs256 = (payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: kidOf(secret), ...header }).sign(new TextEncoder().encode(secret));

    it('refuses alg "none" with the real claims', async () => {
      const unsigned = new UnsecuredJWT(claims).encode();
      await refused(unsigned);
      await refused(`${b64({ alg: 'none', typ: 'JWT', kid: kidOf(TEST_SECRET) })}.${partsOf(alice.token)[1]}.`);
    });

    it('refuses an RS256 token signed with an attacker key, and HS256 signed with that public key as the secret (algorithm confusion)', async () => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      const rs = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: kidOf(TEST_SECRET) }).sign(privateKey);
      await refused(rs);
      const pem = await exportSPKI(publicKey);
      await refused(await hs256(claims, pem, { kid: kidOf(TEST_SECRET) }));
    });

    it('refuses a token signed with the wrong secret, even when it claims the real key id', async () => {
      await refused(await hs256(claims, 'an-attacker-secret-that-is-long-enough-too', { kid: kidOf(TEST_SECRET) }));
    });

    it('refuses the real token with an edited payload (another subject, a later expiry)', async () => {
      const [header, , signature] = partsOf(alice.token);
      await refused(`${header}.${b64({ ...claims, sub: crypto.randomUUID() })}.${signature}`);
      await refused(`${header}.${b64({ ...claims, exp: Number(claims.exp) + 86_400 })}.${signature}`);
    });

    it('refuses an expired token and one not valid yet, properly signed', async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(await hs256({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, TEST_SECRET));
      await refused(await hs256({ ...claims, iat: now, nbf: now + 3600, exp: now + 7200 }, TEST_SECRET));
    });

    it('refuses a properly signed token for another audience or from another issuer', async () => {
      await refused(await hs256({ ...claims, aud: 'some-other-api' }, TEST_SECRET));
      await refused(await hs256({ ...claims, iss: 'evil-issuer' }, TEST_SECRET));
    });

    it('refuses a properly signed token whose id was never issued (minted with a stolen secret is still not enough)', async () => {
      await refused(await hs256({ ...claims, jti: crypto.randomUUID() }, TEST_SECRET));
    });

    it('refuses a token after logout, everywhere at once', async () => {
      const bob = await h.user('bob');
      assert.equal((await h.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: auth(bob) })).statusCode, 204);
      const res = await unchanged(h.app, () =>
        h.inject({ method: 'POST', url: '/api/v1/deposits', headers: auth(bob), payload: { account_id: bob.accountId, amount: 100 } }),
      );
      assertError(res, 401, 'unauthenticated');
    });

    it('refuses a known-device token (signed by the bank, but for another purpose) used as an access token', async () => {
      const device = await issueDeviceToken(h.app.ctx, 'alice');
      assert.ok(device);
      await refused(device);
    });

    it('refuses garbage, an empty bearer, and a token in the wrong header shape', async () => {
      await refused('not-a-jwt');
      await refused('a.b.c');
      for (const header of ['Bearer', `Basic ${alice.token}`, alice.token, `Bearer ${alice.token} extra`]) {
        const res = await unchanged(h.app, () =>
          h.inject({ method: 'POST', url: '/api/v1/deposits', headers: { authorization: header }, payload: { account_id: alice.accountId, amount: 100 } }),
        );
        assertError(res, 401, 'unauthenticated');
      }
    });
  });
}
