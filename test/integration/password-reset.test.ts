/**
 * Password reset through the API (issue 18 item 4; contract "Recovery and notifications (round 2)"),
 * on both databases, with a real SMTP server capturing what the outbox delivers: the same answer for
 * every account, a link only to a confirmed address, single use, 30 minutes, ended by a newer link
 * or a password change, a silent per-account throttle, the second factor still asked for, and every
 * session and token ended after a reset.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { passwordResetAsksSettled } from '../../src/app/request-password-reset.js';
import { auth, closingAfter, createHarness, dialects, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';
import { resetLinkIn, startMailbox, type Mailbox } from '../helpers/reset-mailbox.js';
import { codeAt, enrolTotp, manualClock } from '../helpers/second-factor.js';

const PUBLIC_URL = 'https://bank.example';
const NEW_PASSWORD = 'a brand new passphrase for the bank';
const ASKED = { message: 'If the account exists and has a confirmed email address, a link to reset its password is on its way.' };

let mailbox: Mailbox;
before(async () => {
  mailbox = await startMailbox();
});
after(async () => mailbox.close());

type Clock = ReturnType<typeof manualClock>;

async function bank(dialect: Parameters<typeof createHarness>[0], clock: Clock, config: Partial<Harness['config']> = {}) {
  return createHarness(dialect, { clock, config: { smtpUrl: mailbox.url, publicUrl: PUBLIC_URL, ...config } });
}

/** Gives `user` a confirmed address (as part A's confirmation link would leave it). */
async function confirmEmail(h: Harness, user: TestUser, address: string): Promise<void> {
  await h.app.ctx.storage.db
    .insertInto('user_emails')
    .values({ user_id: user.userId, address, confirmed_at: BigInt(h.app.ctx.clock.nowMs()), pending_address: null, token_hash: null, token_expires_at: null })
    .execute();
}

/** Lets every answered ask finish and the outbox deliver what it queued. */
async function deliver(h: Harness): Promise<void> {
  await passwordResetAsksSettled(h.app.ctx);
  await h.app.outbox!.runOnce();
}

const ask = (h: Harness, payload: object) => h.inject({ method: 'POST', url: '/api/v1/password-reset', payload });
const confirm = (h: Harness, payload: object) => h.inject({ method: 'POST', url: '/api/v1/password-reset/confirm', payload });
const signIn = (h: Harness, username: string, password: string) => h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username, password } });

/** The reset emails delivered to `address` (notices of sign-ins and changes go there too). */
const resetMails = (address: string) => mailbox.to(address).filter((m) => m.subject === 'minibank: reset your password');

/** Asks by username and returns the token from the captured email. */
async function emailedToken(h: Harness, user: TestUser, address: string): Promise<string> {
  const before = resetMails(address).length;
  assert.equal((await ask(h, { username: user.username })).statusCode, 202);
  await deliver(h);
  const mails = resetMails(address);
  assert.equal(mails.length, before + 1, 'one more email');
  return resetLinkIn(mails.at(-1)!).searchParams.get('token')!;
}

async function resetState(h: Harness) {
  const db = h.app.ctx.storage.db;
  const users = await db.selectFrom('users').select(['id', 'password_hash', 'password_generation']).orderBy('id').execute();
  const resets = await db.selectFrom('password_resets').select(['token_hash', 'ended_at', 'used_at']).orderBy('token_hash').execute();
  return JSON.stringify({ users, resets }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

for (const dialect of await dialects()) {
  describe(`password reset API (${dialect})`, () => {
    it('emails a single-use link starting with PUBLIC_URL to the confirmed address, stores only its hash, and a reset ends every session and token', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const alice = await h.user('alice');
        await confirmEmail(h, alice, `alice-${dialect}@example.com`);
        const second = await signIn(h, 'alice', PASSWORD);
        const res = await ask(h, { username: 'alice' });
        assert.equal(res.statusCode, 202);
        assert.deepEqual(res.json(), ASKED);
        await deliver(h);
        const [mail] = resetMails(`alice-${dialect}@example.com`);
        assert.ok(mail, 'the reset email arrived over SMTP');
        const link = resetLinkIn(mail);
        assert.equal(link.origin, PUBLIC_URL);
        assert.equal(link.pathname, '/reset-password');
        const token = link.searchParams.get('token')!;
        const stored = await h.app.ctx.storage.db.selectFrom('password_resets').selectAll().execute();
        assert.equal(stored.length, 1);
        assert.equal(stored[0]!.token_hash, crypto.createHash('sha256').update(token).digest('hex'));
        assert.ok(!JSON.stringify(stored, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes(token), 'the token itself is not stored');

        assert.equal((await confirm(h, { token, password: NEW_PASSWORD })).statusCode, 204);
        assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(alice) })).statusCode, 401, 'the first token is dead');
        assert.equal((await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth({ token: second.json().access_token }) })).statusCode, 401);
        assert.equal((await signIn(h, 'alice', PASSWORD)).statusCode, 401, 'the old password is gone');
        assert.equal((await signIn(h, 'alice', NEW_PASSWORD)).statusCode, 200);
        const sessions = await h.app.ctx.storage.db.selectFrom('sessions').select('id_hash').where('user_id', '=', alice.userId).execute();
        assert.equal(sessions.length, 0);

        const events = await h.app.ctx.storage.db.selectFrom('security_events').select('type').where('user_id', '=', alice.userId).execute();
        assert.ok(events.some((e) => e.type === 'password_reset_requested'));
        assert.ok(events.some((e) => e.type === 'password_reset_completed'));
        const notices = await h.app.ctx.storage.db.selectFrom('notifications').select('kind').where('user_id', '=', alice.userId).execute();
        assert.ok(
          notices.some((n) => n.kind === 'password_changed'),
          'a "your password was changed" notice',
        );
        await h.app.outbox!.runOnce();
        assert.ok(
          mailbox.to(`alice-${dialect}@example.com`).some((m) => /password was changed/i.test(m.text)),
          'and its email',
        );

        const reused = await confirm(h, { token, password: 'yet another long passphrase here' });
        assert.equal(reused.statusCode, 400);
        assert.equal(reused.json().error.code, 'invalid_request');
        assert.equal((await signIn(h, 'alice', NEW_PASSWORD)).statusCode, 200, 'a reused link changed nothing');
      });
    });

    it('answers an unknown user, an unconfirmed address and an unknown email exactly like a real one, and sends nothing', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const bob = await h.user('bob');
        await h.app.ctx.storage.db
          .insertInto('user_emails')
          .values({
            user_id: bob.userId,
            address: null,
            confirmed_at: null,
            pending_address: `bob-${dialect}@example.com`,
            token_hash: 'x',
            token_expires_at: 1n,
          })
          .execute();
        const sentBefore = mailbox.mails.length;
        const answers = [];
        for (const payload of [
          { username: 'nobody-here' },
          { username: 'bob' },
          { email: `bob-${dialect}@example.com` },
          { email: `ghost-${dialect}@example.com` },
          { username: 'x\u00ff' },
        ]) {
          const res = await ask(h, payload);
          answers.push([res.statusCode, res.body]);
        }
        await deliver(h);
        assert.deepEqual(new Set(answers.map((a) => JSON.stringify(a))).size, 1, 'one answer for all');
        assert.equal(answers[0]![0], 202);
        assert.equal(mailbox.mails.length, sentBefore, 'nothing sent');
        const resets = await h.app.ctx.storage.db.selectFrom('password_resets').selectAll().execute();
        assert.equal(resets.length, 0, 'no link issued');
        assert.equal((await ask(h, {})).statusCode, 400, 'neither username nor email is a malformed request');
        assert.equal((await ask(h, { username: 'bob', email: `bob-${dialect}@example.com` })).statusCode, 400);
      });
    });

    it('refuses a reused, expired or tampered link with 400 invalid_request and changes nothing', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const carol = await h.user('carol');
        await confirmEmail(h, carol, `carol-${dialect}@example.com`);
        const token = await emailedToken(h, carol, `carol-${dialect}@example.com`);
        const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
        const state = await resetState(h);
        for (const bad of [tampered, 'short', token + 'x']) {
          const res = await confirm(h, { token: bad, password: NEW_PASSWORD });
          assert.equal(res.statusCode, 400, bad);
          assert.equal(res.json().error.code, 'invalid_request');
        }
        assert.equal(await resetState(h), state, 'nothing changed');
        clock.advanceMs(30 * 60_000 + 1);
        const expired = await confirm(h, { token, password: NEW_PASSWORD });
        assert.equal(expired.statusCode, 400);
        assert.equal(expired.json().error.code, 'invalid_request');
        assert.equal(await resetState(h), state, 'an expired link changed nothing');
        assert.equal((await signIn(h, 'carol', PASSWORD)).statusCode, 200);
        const failed = await h.app.ctx.storage.db
          .selectFrom('security_events')
          .select('details')
          .where('type', '=', 'password_reset_failed')
          .where('user_id', '=', carol.userId)
          .execute();
        assert.ok(
          failed.some((e) => String(e.details).includes('expired')),
          'the refusal is audited on her timeline',
        );
      });
    });

    it('ends a link when a newer one is issued or the password changes', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const dave = await h.user('dave');
        await confirmEmail(h, dave, `dave-${dialect}@example.com`);
        const first = await emailedToken(h, dave, `dave-${dialect}@example.com`);
        const second = await emailedToken(h, dave, `dave-${dialect}@example.com`);
        assert.equal((await confirm(h, { token: first, password: NEW_PASSWORD })).statusCode, 400, 'the older link is dead');
        assert.equal((await confirm(h, { token: second, password: NEW_PASSWORD })).statusCode, 204, 'the newer one works');

        const third = await emailedToken(h, dave, `dave-${dialect}@example.com`);
        // A password change through the settings use case moves the password generation.
        const { changePassword } = await import('../../src/app/change-password.js');
        await changePassword(h.app.ctx, {
          userId: dave.userId,
          currentSessionIdHash: '',
          currentPassword: NEW_PASSWORD,
          newPassword: 'changed in the settings meanwhile',
        });
        assert.equal((await confirm(h, { token: third, password: 'a password from the old link' })).statusCode, 400, 'a password change ends it');
        assert.equal((await signIn(h, 'dave', 'changed in the settings meanwhile')).statusCode, 200);
      });
    });

    it('sends at most PASSWORD_RESET_PER_ACCOUNT_PER_HOUR links an hour to one account, answering every ask the same', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock, { passwordResetPerAccountPerHour: 2 }), async (h) => {
        const erin = await h.user('erin');
        await confirmEmail(h, erin, `erin-${dialect}@example.com`);
        const answers = await Promise.all(Array.from({ length: 12 }, () => ask(h, { username: 'erin' })));
        assert.ok(answers.every((a) => a.statusCode === 202 && a.body === answers[0]!.body));
        await deliver(h);
        assert.equal(resetMails(`erin-${dialect}@example.com`).length, 2, 'no mailbox flood');
        clock.advanceMs(3_600_000 + 1);
        await ask(h, { username: 'erin' });
        await deliver(h);
        assert.equal(resetMails(`erin-${dialect}@example.com`).length, 3, 'an hour later one more');
      });
    });

    it('limits asks per IP with the auth rate limit (429)', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock, { rateLimits: true, rateLimitAuthPerMinute: 3 }), async (h) => {
        const codes = [];
        for (let i = 0; i < 5; i++) codes.push((await ask(h, { username: 'frank' })).statusCode);
        assert.deepEqual(codes, [202, 202, 202, 429, 429]);
      });
    });

    it('asks for the second factor (401 mfa_required, the link still usable), then resets with a TOTP code or a recovery code', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const gina = await h.user('gina');
        const { secret, recoveryCodes } = await enrolTotp(h, gina, clock);
        await confirmEmail(h, gina, `gina-${dialect}@example.com`);
        const token = await emailedToken(h, gina, `gina-${dialect}@example.com`);
        const state = await resetState(h);
        const noCode = await confirm(h, { token, password: NEW_PASSWORD });
        assert.equal(noCode.statusCode, 401);
        assert.equal(noCode.json().error.code, 'mfa_required');
        const wrong = await confirm(h, { token, password: NEW_PASSWORD, otp: '000000' === codeAt(secret, clock) ? '111111' : '000000' });
        assert.equal(wrong.json().error.code, 'mfa_required');
        assert.equal(await resetState(h).then((s) => s.replace(/"code_failures":"?\d+"?/g, '')), state, 'nothing changed');
        clock.advanceSteps(2);
        assert.equal((await confirm(h, { token, password: NEW_PASSWORD, otp: codeAt(secret, clock) })).statusCode, 204);
        assert.equal((await signIn(h, 'gina', NEW_PASSWORD)).json().error.code, 'mfa_required', 'the new password, still with its second factor');

        const again = await emailedToken(h, gina, `gina-${dialect}@example.com`);
        assert.equal((await confirm(h, { token: again, password: 'reset with a recovery code', otp: recoveryCodes[0] })).statusCode, 204);
      });
    });

    it('ends a link after PASSWORD_RESET_CODE_TRIES wrong codes', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock, { passwordResetCodeTries: 2 }), async (h) => {
        const hal = await h.user('hal');
        const { secret } = await enrolTotp(h, hal, clock);
        await confirmEmail(h, hal, `hal-${dialect}@example.com`);
        const token = await emailedToken(h, hal, `hal-${dialect}@example.com`);
        const wrongCode = codeAt(secret, clock) === '123456' ? '654321' : '123456';
        assert.equal((await confirm(h, { token, password: NEW_PASSWORD, otp: wrongCode })).statusCode, 401);
        assert.equal((await confirm(h, { token, password: NEW_PASSWORD, otp: wrongCode })).statusCode, 400, 'the second wrong code ends it');
        clock.advanceSteps(2);
        assert.equal((await confirm(h, { token, password: NEW_PASSWORD, otp: codeAt(secret, clock) })).statusCode, 400);
      });
    });

    it('applies the password policy to the new password (400, the link still usable)', async () => {
      const clock = manualClock();
      await closingAfter(await bank(dialect, clock), async (h) => {
        const ivy = await h.user('ivy');
        await confirmEmail(h, ivy, `ivy-${dialect}@example.com`);
        const token = await emailedToken(h, ivy, `ivy-${dialect}@example.com`);
        const weak = await confirm(h, { token, password: 'short' });
        assert.equal(weak.statusCode, 400);
        assert.equal(weak.json().error.param, 'password');
        assert.equal((await confirm(h, { token, password: NEW_PASSWORD })).statusCode, 204);
      });
    });
  });
}
