/**
 * Email addresses and notifications (issue 18; contract "Recovery and notifications"), on every
 * dialect, with a real SMTP server in the test (smtp-server, parsed with mailparser): the
 * confirmation link starts with PUBLIC_URL and carries `token`; it works once, only for the user who
 * asked; header-injection addresses are refused with nothing stored or sent; money received and a
 * password change reach the in-app list and a confirmed address; list, unread filter and read.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { followLedger } from '../../src/app/follow-ledger.js';
import { auth, createHarness, dialects, waitFor, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp-capture.js';

const PUBLIC_URL = 'https://bank.example';

for (const dialect of await dialects()) {
  describe(`email and notifications (${dialect})`, () => {
    let h: Harness;
    let smtp: SmtpCapture;
    let alice: TestUser;
    let bob: TestUser;

    before(async () => {
      smtp = await startSmtpCapture();
      h = await createHarness(dialect, { config: { smtpUrl: smtp.url, publicUrl: PUBLIC_URL, mailFrom: 'bank@example.com', outboxPollIntervalMs: 10 } });
      alice = await h.user('alice');
      bob = await h.user('bob');
    });
    after(async () => {
      await h.close();
      await smtp.close();
    });

    const me = async (u: TestUser) => (await h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(u) })).json();
    const mailsTo = (address: string) => smtp.mails.filter((m) => m.to && !Array.isArray(m.to) && m.to.value.some((v) => v.address === address));

    it('emails a confirmation link from PUBLIC_URL (never the Host header) that works once, only for the user who asked', async () => {
      const res = await h.inject({
        method: 'PUT',
        url: '/api/v1/me/email',
        headers: { ...auth(alice), host: 'evil.example' },
        payload: { email: 'alice@example.com' },
      });
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual((await me(alice)).email, { address: 'alice@example.com', confirmed: false });
      await waitFor('the confirmation email', () => mailsTo('alice@example.com').length === 1);
      const mail = mailsTo('alice@example.com')[0]!;
      const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0] ?? '';
      assert.ok(link.startsWith(`${PUBLIC_URL}/settings/email/confirm?token=`), link);
      assert.ok(!(mail.text ?? '').includes('evil.example'));
      const token = new URL(link).searchParams.get('token')!;
      const stored = await h.app.ctx.storage.db.selectFrom('user_emails').select('token_hash').where('user_id', '=', alice.userId).executeTakeFirstOrThrow();
      assert.notEqual(stored.token_hash, token, 'only a hash of the token is stored');

      const byBob = await h.inject({ method: 'POST', url: '/api/v1/me/email/confirm', headers: auth(bob), payload: { token } });
      assert.equal(byBob.statusCode, 400);
      assert.equal(byBob.json().error.code, 'invalid_request');
      assert.equal((await me(bob)).email, null, "bob's account gained nothing");
      assert.deepEqual((await me(alice)).email, { address: 'alice@example.com', confirmed: false });

      assert.equal((await h.inject({ method: 'POST', url: '/api/v1/me/email/confirm', headers: auth(alice), payload: { token } })).statusCode, 204);
      assert.deepEqual((await me(alice)).email, { address: 'alice@example.com', confirmed: true });
      const again = await h.inject({ method: 'POST', url: '/api/v1/me/email/confirm', headers: auth(alice), payload: { token } });
      assert.equal(again.statusCode, 400, 'single use');
    });

    it('keeps the confirmed address in force until a new one is confirmed', async () => {
      assert.equal((await h.inject({ method: 'PUT', url: '/api/v1/me/email', headers: auth(alice), payload: { email: 'new@example.com' } })).statusCode, 202);
      assert.deepEqual((await me(alice)).email, { address: 'alice@example.com', confirmed: true });
      await waitFor('the new address confirmation', () => mailsTo('new@example.com').length === 1);
    });

    it('refuses addresses with header-injection characters, storing and sending nothing', async () => {
      const sentBefore = smtp.mails.length;
      for (const email of [
        'x@example.com\r\nBcc: victim@example.com',
        'x@example.com\nSubject: hi',
        'a@b.com, c@d.com',
        'Name <a@b.com>',
        'x\u0000@example.com',
      ]) {
        const res = await h.inject({ method: 'PUT', url: '/api/v1/me/email', headers: auth(bob), payload: { email } });
        assert.equal(res.statusCode, 400, email);
        assert.equal(res.json().error.code, 'invalid_request');
      }
      assert.equal((await me(bob)).email, null);
      await h.app.outbox?.runOnce();
      assert.equal(smtp.mails.length, sentBefore);
    });

    it('notifies money received in the list and by email to a confirmed address; lists, filters unread and marks read', async () => {
      await h.deposit(bob, 1000);
      const res = await h.inject({
        method: 'POST',
        url: '/api/v1/transfers',
        headers: auth(bob),
        payload: { from_account_id: bob.accountId, to: 'alice', amount: 250 },
      });
      assert.equal(res.statusCode, 201);
      await followLedger(h.app.ctx); // the server does this each tick: notices follow the sealed ledger
      const list = await h.inject({ method: 'GET', url: '/api/v1/notifications?unread=true', headers: auth(alice) });
      assert.equal(list.statusCode, 200);
      const received = list.json().data.find((n: { kind: string }) => n.kind === 'money_received');
      assert.ok(received, list.body);
      assert.match(received.text, /2\.50 USD/);
      assert.equal(received.read_at, null);
      await waitFor('the money-received email', () => mailsTo('alice@example.com').some((m) => /2\.50 USD/.test(m.text ?? '')));

      assert.equal((await h.inject({ method: 'POST', url: `/api/v1/notifications/${received.id}/read`, headers: auth(bob) })).statusCode, 404, "not bob's");
      assert.equal((await h.inject({ method: 'POST', url: `/api/v1/notifications/${received.id}/read`, headers: auth(alice) })).statusCode, 204);
      const unread = (await h.inject({ method: 'GET', url: '/api/v1/notifications?unread=true', headers: auth(alice) })).json();
      assert.ok(!unread.data.some((n: { id: string }) => n.id === received.id));
      const all = (await h.inject({ method: 'GET', url: '/api/v1/notifications?limit=1', headers: auth(alice) })).json();
      assert.equal(all.data.length, 1);
      const next = await h.inject({ method: 'GET', url: `/api/v1/notifications?limit=100&starting_after=${all.data[0].id}`, headers: auth(alice) });
      assert.equal(next.statusCode, 200);
      assert.ok(!next.json().data.some((n: { id: string }) => n.id === all.data[0].id));
    });

    it('notifies a sign-in from an unknown browser (a security kind)', async () => {
      const token = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: PASSWORD } });
      assert.equal(token.statusCode, 200);
      const kinds = (await h.inject({ method: 'GET', url: '/api/v1/notifications?limit=100', headers: auth(alice) }))
        .json()
        .data.map((n: { kind: string }) => n.kind);
      assert.ok(kinds.includes('new_sign_in'), kinds.join());
    });
  });
}
