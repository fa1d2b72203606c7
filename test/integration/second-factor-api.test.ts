/**
 * Issue 13 part A through the API, on both databases: TOTP enrolment, sign-in with a second factor,
 * recovery codes, turning it off, and step-up on large transfers (contract "Second factor").
 * Time is a manual clock: no test depends on how fast the machine is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auth, dialects, ledgerSnapshot, PASSWORD, withHarness, type Harness } from '../helpers/harness.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';

const token = (h: Harness, body: Record<string, string>) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: body });
const me = async (h: Harness, user: { token: string }) => (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(user) })).json();

for (const dialect of await dialects()) {
  describe(`second factor: TOTP through the API (${dialect})`, () => {
    it('enrols in two steps: the secret is not on until a first code confirms it, and GET /me says so', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        assert.deepEqual((await me(h, alice)).mfa, { totp: false, passkeys: 0 });
        const start = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: auth(alice), payload: { password: PASSWORD } });
        assert.equal(start.statusCode, 201);
        const { secret, otpauth_url } = start.json();
        assert.match(secret, /^[A-Z2-7]{32}$/);
        assert.match(otpauth_url, /^otpauth:\/\/totp\/minibank:alice\?.*secret=/);
        assert.deepEqual((await me(h, alice)).mfa, { totp: false, passkeys: 0 }, 'not on before the confirmation');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD })).statusCode, 200, 'sign-in still needs no code');
        const wrong = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp/confirm', headers: auth(alice), payload: { otp: codeAt(secret, clock, 3) } });
        assert.equal(wrong.statusCode, 400);
        assert.equal(wrong.json().error.param, 'otp');
        assert.deepEqual((await me(h, alice)).mfa, { totp: false, passkeys: 0 }, 'a wrong code turns nothing on');
        const ok = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp/confirm', headers: auth(alice), payload: { otp: codeAt(secret, clock) } });
        assert.equal(ok.statusCode, 200);
        const codes: string[] = ok.json().recovery_codes;
        assert.equal(codes.length, 10);
        assert.equal(new Set(codes).size, 10);
        assert.deepEqual((await me(h, alice)).mfa, { totp: true, passkeys: 0 });
        const stored = await h.app.ctx.storage.db.selectFrom('totp_credentials').selectAll().execute();
        assert.ok(!JSON.stringify(stored, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).includes(secret), 'the secret is sealed at rest');
        const hashes = await h.app.ctx.storage.db.selectFrom('recovery_codes').select('code_hash').execute();
        assert.equal(hashes.length, 10);
        assert.ok(
          hashes.every((r) => !codes.includes(r.code_hash)),
          'only hashes are stored',
        );
      });
    });

    it('refuses a wrong password to start an enrolment', async () => {
      await withHarness(dialect, async (h) => {
        const alice = await h.user('alice');
        const res = await h.inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: auth(alice), payload: { password: 'not the password at all' } });
        assert.equal(res.statusCode, 400);
        assert.equal((await h.app.ctx.storage.db.selectFrom('totp_credentials').selectAll().execute()).length, 0);
      });
    });

    it('signs in with a second factor: mfa_required only after the right password, then a code; a replayed code or one from two steps ago is refused', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const noCode = await token(h, { username: 'alice', password: PASSWORD });
        assert.equal(noCode.statusCode, 401);
        assert.equal(noCode.json().error.code, 'mfa_required');
        const wrongPassword = await token(h, { username: 'alice', password: 'wrong password here', otp: codeAt(secret, clock) });
        assert.equal(wrongPassword.json().error.code, 'unauthenticated', 'a wrong password never reveals the second factor');
        assert.equal((await token(h, { username: 'alice', password: 'wrong password here' })).json().error.code, 'unauthenticated');
        const wrongCode = await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock, 5) });
        assert.equal(wrongCode.statusCode, 401);
        assert.equal(wrongCode.json().error.code, 'unauthenticated');
        const good = await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock) });
        assert.equal(good.statusCode, 200);
        assert.ok(good.json().access_token);
        const replay = await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock) });
        assert.equal(replay.statusCode, 401, 'the same code twice');
        assert.equal(
          (await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock, -1) })).statusCode,
          401,
          'an earlier step after a later one',
        );
        clock.advanceSteps(3);
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock, -2) })).statusCode, 401, 'two steps ago');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock, -1) })).statusCode, 200, 'one step of drift');
        clock.advanceSteps(1);
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock, 1) })).statusCode, 200, 'one step ahead');
      });
    });

    it('accepts each recovery code once, and re-enrolling ends the old secret and its codes', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const first = await enrolTotp(h, alice, clock);
        const code = first.recoveryCodes[0]!;
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: code.toUpperCase() })).statusCode, 200, 'case and dashes do not matter');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: code })).statusCode, 401, 'used once already');
        clock.advanceSteps(2);
        const second = await enrolTotp(h, alice, clock, first.secret);
        assert.notEqual(second.secret, first.secret);
        clock.advanceSteps(2);
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: first.recoveryCodes[1]! })).statusCode, 401, 'old codes ended');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(first.secret, clock) })).statusCode, 401, 'old secret ended');
        assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: second.recoveryCodes[1]! })).statusCode, 200);
        const events = await h.app.ctx.storage.db.selectFrom('security_events').select('type').where('user_id', '=', alice.userId).execute();
        const types = events.map((e) => e.type);
        assert.equal(types.filter((t) => t === 'totp_enrolled').length, 2);
        assert.equal(types.filter((t) => t === 'recovery_code_used').length, 2);
        assert.ok(types.includes('second_factor_failed'));
      });
    });

    it('turns TOTP off only with the password and a current code', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const del = (payload: Record<string, string>) => h.inject({ method: 'DELETE', url: '/api/v1/me/mfa/totp', headers: auth(alice), payload });
        assert.equal((await del({ password: PASSWORD, otp: '000000' === codeAt(secret, clock) ? '111111' : '000000' })).statusCode, 400);
        assert.equal((await del({ password: 'wrong password here', otp: codeAt(secret, clock) })).statusCode, 400);
        assert.deepEqual((await me(h, alice)).mfa, { totp: true, passkeys: 0 }, 'still on');
        assert.equal((await del({ password: PASSWORD, otp: codeAt(secret, clock) })).statusCode, 204);
        assert.deepEqual((await me(h, alice)).mfa, { totp: false, passkeys: 0 });
        assert.equal((await token(h, { username: 'alice', password: PASSWORD })).statusCode, 200);
        assert.equal((await h.app.ctx.storage.db.selectFrom('recovery_codes').selectAll().execute()).length, 0);
      });
    });
  });

  describe(`second factor: step-up on large transfers (${dialect})`, () => {
    const transfer = (h: Harness, from: { token: string; accountId: string }, amount: number, headers: Record<string, string> = {}) =>
      h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: { ...auth(from), ...headers },
        payload: { from_account_id: from.accountId, to: 'bob', amount },
      });

    it('needs MFA-Code at STEP_UP_MINOR and above: missing, wrong, replayed or a recovery code is 403 step_up_required and nothing moves', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock, config: { stepUpMinor: 100_000 } }, async (h) => {
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 500_000);
        const { secret, recoveryCodes } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const before = await ledgerSnapshot(h.app);
        const attempts: Record<string, string>[] = [{}, { 'mfa-code': codeAt(secret, clock, 4) }, { 'mfa-code': recoveryCodes[0]! }, { 'mfa-code': '' }];
        for (const headers of attempts) {
          const res = await transfer(h, alice, 100_000, headers);
          assert.equal(res.statusCode, 403, JSON.stringify(headers));
          assert.equal(res.json().error.code, 'step_up_required');
        }
        assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');
        const ok = await transfer(h, alice, 100_000, { 'mfa-code': codeAt(secret, clock) });
        assert.equal(ok.statusCode, 201);
        const after = await ledgerSnapshot(h.app);
        const replay = await transfer(h, alice, 100_000, { 'mfa-code': codeAt(secret, clock) });
        assert.equal(replay.statusCode, 403, 'the same code cannot confirm a second payment');
        assert.equal(await ledgerSnapshot(h.app), after);
      });
    });

    it('ignores MFA-Code below STEP_UP_MINOR, and asks nothing of a user without a second factor', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        const carol = await h.user('carol');
        await h.user('bob');
        await h.deposit(alice, 500_000);
        await h.deposit(carol, 500_000);
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        assert.equal((await transfer(h, alice, 99_999, { 'mfa-code': 'garbage' })).statusCode, 201, 'a header on a small transfer is ignored');
        assert.equal((await transfer(h, alice, 99_999, { 'mfa-code': codeAt(secret, clock) })).statusCode, 201);
        assert.equal((await transfer(h, alice, 100_000, { 'mfa-code': codeAt(secret, clock) })).statusCode, 201, 'the ignored code was not used up');
        assert.equal((await transfer(h, carol, 400_000)).statusCode, 201, 'no second factor, no step-up');
      });
    });

    it('replays a finished large transfer for a retry with the same Idempotency-Key without asking for a new code', async () => {
      const clock = manualClock();
      await withHarness(dialect, { clock }, async (h) => {
        const alice = await h.user('alice');
        await h.user('bob');
        await h.deposit(alice, 500_000);
        const { secret } = await enrolTotp(h, alice, clock);
        clock.advanceSteps(1);
        const headers = { 'mfa-code': codeAt(secret, clock), 'idempotency-key': 'pay-bob-1' };
        const first = await transfer(h, alice, 200_000, headers);
        assert.equal(first.statusCode, 201);
        const again = await transfer(h, alice, 200_000, headers);
        assert.equal(again.statusCode, 201);
        assert.equal(again.headers['idempotent-replayed'], 'true');
        assert.equal(await h.balance(alice.accountId), 300_000n);
      });
    });
  });
}

for (const dialect of await dialects()) {
  describe(`second factor: wrong codes and the login throttle (${dialect})`, () => {
    it('of 40 wrong codes sent at once with the right password, at most LOGIN_FREE_FAILURES are checked; the rest wait (429), and the right code waits too', async () => {
      const clock = manualClock();
      await withHarness(
        dialect,
        { clock, config: { rateLimits: true, rateLimitAuthPerMinute: 10_000, loginFreeFailures: 3, loginMaxLockSeconds: 60 } },
        async (h) => {
          const alice = await h.user('alice');
          const { secret } = await enrolTotp(h, alice, clock);
          clock.advanceSteps(1);
          const wrong = codeAt(secret, clock, 7);
          const answers = await Promise.all(Array.from({ length: 40 }, () => token(h, { username: 'alice', password: PASSWORD, otp: wrong })));
          const statuses = answers.map((r) => r.statusCode);
          const checked = statuses.filter((s) => s === 401).length;
          assert.ok(checked >= 1 && checked <= 3, `checked ${checked}`);
          assert.equal(statuses.filter((s) => s === 429).length, 40 - checked);
          assert.equal((await token(h, { username: 'alice', password: PASSWORD, otp: codeAt(secret, clock) })).statusCode, 429);
        },
      );
    });
  });
}
