/**
 * Issue 11 class 8 (passwords): a password is hashed and compared in Unicode NFC, never truncated,
 * so the same password typed on two keyboards (precomposed "é" or "e" + combining accent) works.
 * Hashes made before the rule from a non-NFC password still verify and are rehashed to NFC.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import { createPasswordHasher } from '../../src/services/password-hasher.js';
import { auth, dialects, type Harness, withHarness } from '../helpers/harness.js';
import { Browser } from '../pages/browser.js';

const NFC = 'crème brûlée à la fenêtre 7731 minuit'.normalize('NFC');
const NFD = NFC.normalize('NFD');

const signUp = (h: Harness, username: string, password: string) => h.inject({ method: 'POST', url: '/api/v1/signup', payload: { username, password } });
const tokenLogin = (h: Harness, username: string, password: string) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password } });
const storedHash = async (h: Harness, username: string) =>
  (await h.app.ctx.storage.db.selectFrom('users').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow()).password_hash;

describe('password hasher and Unicode forms', () => {
  it('hashes the NFC form, matches either form, and asks for a rehash only for a raw non-NFC hash', async () => {
    assert.notEqual(NFC, NFD, 'the two spellings differ as strings');
    const params = { memoryCostKib: 19_456, timeCost: 2, parallelism: 1 };
    const hasher = await createPasswordHasher(params);
    const hashed = await hasher.hash(NFD);
    assert.ok(await argon2Verify(hashed, NFC), 'the stored hash is of the NFC form');
    assert.deepEqual(await hasher.verify(hashed, NFC), { ok: true, rehash: false });
    assert.deepEqual(await hasher.verify(hashed, NFD), { ok: true, rehash: false });
    const legacy = await argon2Hash(NFD, {
      algorithm: 2 as Algorithm,
      memoryCost: params.memoryCostKib,
      timeCost: params.timeCost,
      parallelism: params.parallelism,
    });
    assert.deepEqual(await hasher.verify(legacy, NFD), { ok: true, rehash: true });
    assert.deepEqual(await hasher.verify(legacy, `${NFD}x`), { ok: false, rehash: false });
    assert.deepEqual(await hasher.verify(undefined, NFD), { ok: false, rehash: false }, 'no user: never ok');
  });

  it('never truncates: passwords that differ only after 72 bytes or in their last character are different', async () => {
    const hasher = await createPasswordHasher({ memoryCostKib: 19_456, timeCost: 2, parallelism: 1 });
    const long = `${'é'.repeat(60)} correct horse`;
    const hashed = await hasher.hash(long);
    assert.equal((await hasher.verify(hashed, long.slice(0, -1))).ok, false);
    assert.equal((await hasher.verify(hashed, `${'é'.repeat(60)} correct horsf`)).ok, false);
    assert.equal((await hasher.verify(hashed, long)).ok, true);
  });
});

for (const dialect of await dialects()) {
  describe(`passwords in NFC (${dialect})`, () => {
    it('signs in with the same password typed decomposed (NFD) after signing up precomposed (NFC), and the other way round (the issue example)', async () => {
      await withHarness(dialect, async (h) => {
        assert.equal((await signUp(h, 'amelie', NFC)).statusCode, 201);
        assert.equal((await tokenLogin(h, 'amelie', NFD)).statusCode, 200);
        assert.equal((await tokenLogin(h, 'amelie', NFC)).statusCode, 200);
        assert.equal((await signUp(h, 'bruno', NFD)).statusCode, 201);
        assert.equal((await tokenLogin(h, 'bruno', NFC)).statusCode, 200);
        const page = new Browser(h.app);
        await page.get('/login');
        assert.equal((await page.post('/login', { username: 'bruno', password: NFD })).status, 303, 'the login page too');
        assert.equal((await tokenLogin(h, 'bruno', `${NFC} `)).statusCode, 401, 'a different password is still wrong');
      });
    });

    it('keeps a hash made before the rule from a raw NFD password working, and rehashes it to the NFC form at that login', async () => {
      await withHarness(dialect, async (h) => {
        assert.equal((await signUp(h, 'chloe', NFC)).statusCode, 201);
        const legacy = await argon2Hash(NFD, {
          algorithm: 2 as Algorithm,
          memoryCost: h.config.argon2MemoryKib,
          timeCost: h.config.argon2Iterations,
          parallelism: h.config.argon2Parallelism,
        });
        await h.app.ctx.storage.db.updateTable('users').set({ password_hash: legacy }).where('username', '=', 'chloe').execute();
        const login = await tokenLogin(h, 'chloe', NFD);
        assert.equal(login.statusCode, 200, 'the old hash still signs in with the password as it was typed');
        const rehashed = await storedHash(h, 'chloe');
        assert.notEqual(rehashed, legacy, 'rehashed at that login');
        assert.ok(await argon2Verify(rehashed, NFC), 'now stored in NFC');
        assert.equal((await tokenLogin(h, 'chloe', NFC)).statusCode, 200, 'both spellings work from now on');
        assert.equal(
          (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth({ token: login.json().access_token }) })).statusCode,
          200,
          'a rehash is not a password change',
        );
        const again = await storedHash(h, 'chloe');
        await tokenLogin(h, 'chloe', NFD);
        assert.equal(await storedHash(h, 'chloe'), again, 'rehashed once, not at every login');
      });
    });

    it('refuses a "new" password that is the current one in another Unicode form', async () => {
      await withHarness(dialect, async (h) => {
        assert.equal((await signUp(h, 'dorian', NFC)).statusCode, 201);
        const browser = new Browser(h.app);
        await browser.get('/login');
        assert.equal((await browser.post('/login', { username: 'dorian', password: NFC })).status, 303);
        await browser.get('/settings');
        const res = await browser.post('/settings/password', { current_password: NFC, new_password: NFD });
        assert.equal(res.status, 400);
        assert.match(res.body, /different from the current one/);
      });
    });

    it('never truncates a long password at sign-in', async () => {
      await withHarness(dialect, async (h) => {
        const long = 'über den Fluß, the quick brown fox jumps over the lazy dog near a riverbank: glacier tugboat 4417 harmonica';
        assert.equal((await signUp(h, 'emil', long)).statusCode, 201);
        assert.equal((await tokenLogin(h, 'emil', long)).statusCode, 200);
        assert.equal((await tokenLogin(h, 'emil', long.slice(0, 72))).statusCode, 401, 'not cut at 72 characters');
        assert.equal((await tokenLogin(h, 'emil', `${long.slice(0, -1)}8`)).statusCode, 401);
      });
    });
  });
}
