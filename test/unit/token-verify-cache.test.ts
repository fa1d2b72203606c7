import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenSigner } from '../../src/services/token-signer.js';

const signer = () =>
  createTokenSigner({ secret: 'a test secret that is at least 32 bytes long', issuer: 'minibank', audience: 'minibank-api', ttlSeconds: 900 });
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('token verification with remembered signatures', () => {
  it('still refuses a remembered token once it has expired, and before it is valid', async () => {
    const tokens = signer();
    const token = await tokens.sign({ userId: 'user-1', jti: 'jti-1', nowMs: T0 });
    assert.deepEqual(await tokens.verify(token, T0 + 1000), { userId: 'user-1', jti: 'jti-1' });
    // Answered from memory now: the time window must still apply.
    assert.deepEqual(await tokens.verify(token, T0 + 899_999), { userId: 'user-1', jti: 'jti-1' });
    assert.equal(await tokens.verify(token, T0 + 900_000), null);
    assert.equal(await tokens.verify(token, T0 - 1000), null);
  });

  it('never remembers a forged token as valid', async () => {
    const tokens = signer();
    const token = await tokens.sign({ userId: 'user-1', jti: 'jti-2', nowMs: T0 });
    const [header, payload] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'user-2' })).toString('base64url');
    const forged = `${header}.${forgedPayload}.${token.split('.')[2]}`;
    assert.equal(await tokens.verify(forged, T0 + 1000), null);
    assert.equal(await tokens.verify(forged, T0 + 1000), null);
    assert.deepEqual(await tokens.verify(token, T0 + 1000), { userId: 'user-1', jti: 'jti-2' });
  });

  it('does not accept, from memory, a token signed with a secret this server does not hold', async () => {
    const other = createTokenSigner({ secret: 'another secret, also at least 32 bytes long', issuer: 'minibank', audience: 'minibank-api', ttlSeconds: 900 });
    const token = await other.sign({ userId: 'user-1', jti: 'jti-3', nowMs: T0 });
    assert.ok(await other.verify(token, T0 + 1000));
    assert.equal(await signer().verify(token, T0 + 1000), null);
  });
});
