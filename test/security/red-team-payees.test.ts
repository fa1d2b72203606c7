/**
 * Red team, issue 11 class 3 (ambiguous payees): variants the fix's own tests did not try. A payee
 * written the way people write account numbers (dots, underscores, odd spaces, other digit scripts)
 * must never be read as the name of a legacy user, and the three readers of a payee (the transfer,
 * GET /api/v1/payees and the web review step) must agree on every one of them.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { makeAccountNumber } from '../../src/domain/account-number.js';
import { auth, createHarness, dialects, ledgerSnapshot, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn } from '../pages/browser.js';

/** The number with its first pair of different adjacent digits swapped: MOD 97-10 always catches it. */
function transposed(number: string): string {
  for (let i = 0; i < number.length - 1; i++) {
    if (number[i] !== number[i + 1]) return number.slice(0, i) + number[i + 1] + number[i] + number.slice(i + 2);
  }
  throw new Error(`no adjacent digits differ in ${number}`);
}

const grouped = (number: string, sep: string) => [number.slice(0, 4), number.slice(4, 8), number.slice(8)].join(sep);

/** Maps ASCII digits to another script's digits (code point of that script's zero given). */
const inScript = (number: string, zero: number) => [...number].map((d) => String.fromCodePoint(zero + Number(d))).join('');

for (const dialect of await dialects()) {
  describe(`red team: ambiguous payees (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;

    /** A user from before the letter rule (the username shape always allowed digits, dots, _ and -). */
    async function legacyUser(username: string, randomDigits: string) {
      const db = h.app.ctx.storage.db;
      const { password_hash } = await db.selectFrom('users').select('password_hash').where('id', '=', alice.userId).executeTakeFirstOrThrow();
      const [userId, accountId, accountNumber] = [crypto.randomUUID(), crypto.randomUUID(), makeAccountNumber(randomDigits)];
      await sql`insert into users (id, username, password_hash, created_at) values (${userId}, ${username}, ${password_hash}, ${1n})`.execute(db);
      await sql`insert into accounts (id, number, user_id, kind, currency, balance, status, created_at)
                values (${accountId}, ${accountNumber}, ${userId}, 'user', ${h.config.currency}, ${0n}, 'active', ${1n})`.execute(db);
      return { username, accountId, accountNumber };
    }

    before(async () => {
      h = await createHarness(dialect);
      [alice, bob] = [await h.user('alice'), await h.user('bob')];
      await h.deposit(alice, 10_000);
    });
    after(() => h.close());

    const transfer = (to: string, amount = 100) =>
      h.inject({ method: 'POST', url: '/api/v1/transfers', headers: auth(alice), payload: { from_account_id: alice.accountId, to, amount } });
    const payees = (to: string) => h.inject({ method: 'GET', url: `/api/v1/payees?to=${encodeURIComponent(to)}`, headers: auth(alice) });

    it('never pays a legacy user named like a mistyped account number written with dots or underscores', async () => {
      // Dots and underscores group digits as often as dashes do (12.34 and 1234_5678 are refused at
      // sign-up for that reason), and older versions let a user be called exactly that.
      const typo = transposed(bob.accountNumber);
      const dotted = await legacyUser(grouped(typo, '.'), '5555500011');
      const underscored = await legacyUser(grouped(typo, '_'), '5555500012');
      const mixed = await legacyUser(`${typo.slice(0, 4)}.${typo.slice(4, 8)}-${typo.slice(8)}`, '5555500013');
      const before = await ledgerSnapshot(h.app);
      for (const squatter of [dotted, underscored, mixed]) {
        const res = await transfer(squatter.username);
        assert.equal(res.statusCode, 400, `${squatter.username}: ${res.body}`);
        assert.deepEqual([res.json().error.code, res.json().error.param], ['invalid_request', 'to']);
        assert.match(res.json().error.message, /check the account number/);
        const look = await payees(squatter.username);
        assert.equal(look.statusCode, 400, `payees ${squatter.username}: ${look.body}`);
      }
      assert.equal(await ledgerSnapshot(h.app), before, 'nothing moved');
      for (const squatter of [dotted, underscored, mixed]) assert.equal(await h.balance(squatter.accountId), 0n);
    });

    it('reads a valid account number written with dots or underscores as that account', async () => {
      for (const sep of ['.', '_']) {
        const look = await payees(grouped(bob.accountNumber, sep));
        assert.equal(look.statusCode, 200, `${sep}: ${look.body}`);
        assert.deepEqual(look.json(), { username: 'bob', account_number: bob.accountNumber });
      }
    });

    it('refuses a mistyped number in other spaces and dashes (no-break, thin, ideographic space, minus-like dashes) with 400', async () => {
      const typo = transposed(bob.accountNumber);
      const before = await ledgerSnapshot(h.app);
      for (const sep of ['\u00a0', '\u2009', '\u202f', '\u3000', '\u2010', '\u2011', '\u2012', '\u2014', '\u2015', '\ufe63', '\uff0d', '  ']) {
        const to = grouped(typo, sep);
        const res = await transfer(to);
        assert.equal(res.statusCode, 400, `${JSON.stringify(to)}: ${res.body}`);
        assert.equal(res.json().error.param, 'to');
        assert.equal((await payees(to)).statusCode, 400, `payees ${JSON.stringify(to)}`);
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('never reads digits of another script as a username, and never pays anyone with them', async () => {
      const before = await ledgerSnapshot(h.app);
      // Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, full-width, mathematical bold.
      for (const zero of [0x660, 0x6f0, 0x966, 0x9e6, 0xff10, 0x1d7ce]) {
        const to = inScript(transposed(bob.accountNumber), zero);
        const res = await transfer(to);
        assert.equal(res.statusCode, 400, `${to}: ${res.body}`);
        assert.equal(res.json().error.param, 'to');
      }
      assert.equal(await ledgerSnapshot(h.app), before);
    });

    it('gives the same answer for a payee on the transfer, the payees lookup and the web review step', async () => {
      const typo = transposed(bob.accountNumber);
      const { browser, user } = await signedIn(h, 'webpayer');
      await h.deposit(user, 100); // the review step checks the balance too (issue 12 item 8)
      await browser.get('/transfer');
      const cases: [string, 'paid' | 'typo' | 'unknown'][] = [
        [grouped(bob.accountNumber, ' '), 'paid'],
        [` ${bob.accountNumber}\u00a0`, 'paid'],
        ['BOB', 'paid'],
        ['\u00a0bob\u2003', 'paid'],
        [grouped(typo, '-'), 'typo'],
        [grouped(typo, '\u2212'), 'unknown'], // U+2212 MINUS SIGN is Sm, not a dash: no name can hold it either
        ['bob\u200b', 'unknown'], // a zero-width space is neither a separator nor part of a name
        ['b\u043eb', 'unknown'], // Cyrillic o
      ];
      const before = await ledgerSnapshot(h.app);
      for (const [to, expected] of cases) {
        const look = await payees(to);
        // The review step answers 303 to its GET page (issue 12 item 8); a refusal is the form, at once.
        const review = await browser.follow(browser.post('/transfer', { to, amount: '1', idempotency_key: browser.formKey(), step: 'review' }));
        const label = `${JSON.stringify(to)} -> ${expected}`;
        if (expected === 'paid') {
          assert.equal(look.statusCode, 200, `${label}: ${look.body}`);
          assert.equal(look.json().account_number, bob.accountNumber, label);
          assert.equal(review.status, 200, label);
          assert.match(review.body, /bob/, label);
        } else {
          const status = expected === 'typo' ? 400 : 404;
          assert.equal(look.statusCode, status, `${label}: ${look.body}`);
          assert.equal(review.status, status, label);
          const api = await transfer(to);
          assert.equal(api.statusCode, status, `${label}: ${api.body}`);
        }
      }
      assert.equal(await ledgerSnapshot(h.app), before, 'a review step and refused transfers move nothing');
    });
  });
}
