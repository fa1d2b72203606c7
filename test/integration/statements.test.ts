/**
 * Signed monthly statements (issue 16 items 3 and 4; contract "Statements and the ledger chain"), on
 * every dialect: the figures of a known sequence of movements across a month boundary (deposit,
 * transfer out, transfer in, withdrawal), the signature checked with node:crypto from the published
 * JWK, the refusals (another user's account, a future or malformed month) changing nothing, the
 * offline checker refusing tampered statements, and rotation keeping old statements verifiable.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { statementFileProblems } from '../../src/cli/commands/verify-statement.js';
import { rotateStatementKey } from '../../src/services/statement-keys.js';
import { parseKeyText } from '../../src/services/statement-signature.js';
import { statementKeyFilePath } from '../../src/statement-key-file.js';
import { auth, createHarness, dialects, ledgerSnapshot, PASSWORD, type Harness, type TestUser } from '../helpers/harness.js';

const JAN_20 = Date.UTC(2025, 0, 20, 12);
const JAN_31_LAST_MS = Date.UTC(2025, 1, 1) - 1;
const FEB_03 = Date.UTC(2025, 1, 3, 9);
const FEB_10 = Date.UTC(2025, 1, 10, 9);
const NOW = Date.UTC(2025, 1, 15, 12);

/** The statement's signature checked the way a third party would: node:crypto, the JWK, RFC 8785. */
function verifiesWith(statement: Record<string, unknown>, jwks: { keys: { kid: string; x: string }[] }): boolean {
  const jwk = jwks.keys.find((k) => k.kid === statement.key_id);
  if (!jwk) return false;
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
  const { signature, ...rest } = statement;
  return crypto.verify(null, Buffer.from(canonicalize(rest)!, 'utf8'), key, Buffer.from(String(signature), 'base64url'));
}

for (const dialect of await dialects()) {
  describe(`monthly statements (${dialect})`, () => {
    let h: Harness;
    let alice: TestUser;
    let bob: TestUser;
    let nowMs = JAN_20;
    const get = (user: TestUser, url: string) => h.inject({ method: 'GET', url, headers: auth(user) });
    /** Moves the clock to `ms`; tokens live 15 minutes, so both users sign in again there. */
    const at = async (ms: number) => {
      nowMs = ms;
      for (const user of [alice, bob]) {
        const res = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: user.username, password: PASSWORD } });
        user.token = res.json().access_token;
      }
    };
    const move = async (user: TestUser, url: string, payload: object) => {
      const res = await h.inject({ method: 'POST', url, headers: auth(user), payload });
      assert.equal(res.statusCode, 201, res.body);
    };

    before(async () => {
      h = await createHarness(dialect, { clock: { nowMs: () => nowMs } });
      alice = await h.user('alice');
      bob = await h.user('bob');
      await move(alice, '/api/v1/deposits', { account_id: alice.accountId, amount: 10_000, memo: 'salary' });
      await move(bob, '/api/v1/deposits', { account_id: bob.accountId, amount: 5_000 });
      await at(JAN_31_LAST_MS);
      await move(alice, '/api/v1/transfers', { from_account_id: alice.accountId, to: 'bob', amount: 2_500, memo: 'rent' });
      await at(FEB_03);
      await move(bob, '/api/v1/transfers', { from_account_id: bob.accountId, to: 'alice', amount: 1_000 });
      await at(FEB_10);
      await move(alice, '/api/v1/withdrawals', { account_id: alice.accountId, amount: 500 });
      await at(NOW);
    });
    after(() => h.close());

    it('lists the months with activity and the current month as interim', async () => {
      const res = await get(alice, `/api/v1/accounts/${alice.accountId}/statements`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        data: [
          { month: '2025-01', final: true },
          { month: '2025-02', final: false },
        ],
      });
    });

    it('gives a final month its opening and closing balance, totals and running balances', async () => {
      const res = await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2025-01`);
      assert.equal(res.statusCode, 200, res.body);
      const s = res.json();
      assert.deepEqual(Object.keys(s).sort(), [
        'account',
        'closing_balance',
        'final',
        'issued_at',
        'key_id',
        'ledger_head',
        'month',
        'opening_balance',
        'signature',
        'total_credits',
        'total_debits',
        'transactions',
      ]);
      assert.deepEqual(s.account, { id: alice.accountId, number: alice.accountNumber, currency: 'USD', holder: 'alice' });
      assert.equal(s.month, '2025-01');
      assert.equal(s.final, true);
      assert.deepEqual([s.opening_balance, s.total_credits, s.total_debits, s.closing_balance], [0, 10_000, 2_500, 7_500]);
      assert.deepEqual(
        s.transactions.map((t: Record<string, unknown>) => [t.type, t.direction, t.amount, t.balance_after, t.memo, t.created_at]),
        [
          ['deposit', 'credit', 10_000, 10_000, 'salary', new Date(JAN_20).toISOString()],
          ['transfer', 'debit', 2_500, 7_500, 'rent', new Date(JAN_31_LAST_MS).toISOString()],
        ],
      );
      assert.deepEqual(s.transactions[1].counterparty, { username: 'bob', account_number: bob.accountNumber });
      assert.equal(typeof s.ledger_head.seq, 'number');
      assert.match(s.ledger_head.hash, /^[0-9a-f]{64}$/);
      assert.equal(s.issued_at, new Date(NOW).toISOString());
    });

    it('opens the next month with the previous closing balance and marks the current month interim', async () => {
      const s = (await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2025-02`)).json();
      assert.equal(s.final, false);
      assert.deepEqual([s.opening_balance, s.total_credits, s.total_debits, s.closing_balance], [7_500, 1_000, 500, 8_000]);
      assert.deepEqual(
        s.transactions.map((t: Record<string, unknown>) => [t.type, t.direction, t.amount, t.balance_after]),
        [
          ['transfer', 'credit', 1_000, 8_500],
          ['withdrawal', 'debit', 500, 8_000],
        ],
      );
    });

    it('gives a month without movements the balance carried in as opening and closing', async () => {
      const before = (await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2024-12`)).json();
      assert.deepEqual([before.opening_balance, before.closing_balance, before.transactions.length, before.final], [0, 0, 0, true]);
    });

    it('signs the statement so node:crypto verifies it with the published JWK', async () => {
      const jwksRes = await h.inject({ method: 'GET', url: '/.well-known/minibank/statement-key' });
      assert.equal(jwksRes.statusCode, 200);
      const jwks = jwksRes.json();
      assert.deepEqual(Object.keys(jwks.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      assert.equal(jwks.keys[0].kty, 'OKP');
      assert.equal(jwks.keys[0].crv, 'Ed25519');
      const s = (await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2025-01`)).json();
      assert.equal(s.key_id, jwks.keys[0].kid);
      assert.doesNotMatch(s.signature, /[=+/]/, 'base64url without padding');
      assert.ok(verifiesWith(s, jwks));
      assert.ok(!verifiesWith({ ...s, closing_balance: s.closing_balance + 1 }, jwks), 'a changed figure no longer verifies');
      assert.deepEqual(statementFileProblems(JSON.stringify(s), jwks.keys), []);
    });

    it("answers 404 for another user's account and changes nothing", async () => {
      const snapshot = await ledgerSnapshot(h.app);
      for (const url of [`/api/v1/accounts/${bob.accountId}/statements`, `/api/v1/accounts/${bob.accountId}/statements/2025-01`]) {
        const res = await get(alice, url);
        assert.equal(res.statusCode, 404, url);
        assert.equal(res.json().error.code, 'not_found');
      }
      assert.equal((await get(alice, `/api/v1/accounts/no-such-account/statements/2025-01`)).statusCode, 404);
      assert.equal(await ledgerSnapshot(h.app), snapshot);
    });

    it('answers 400 invalid_request for a future or malformed month and changes nothing', async () => {
      const snapshot = await ledgerSnapshot(h.app);
      for (const month of ['2025-03', '2099-01', '2025-13', '2025-00', '2025-1', '25-01', 'january', '2025-01-01', '1969-12']) {
        const res = await get(alice, `/api/v1/accounts/${alice.accountId}/statements/${month}`);
        assert.equal(res.statusCode, 400, `${month}: ${res.body}`);
        assert.equal(res.json().error.code, 'invalid_request', month);
      }
      assert.equal(await ledgerSnapshot(h.app), snapshot);
    });

    it('is refused offline with a reason when one digit changed, a transaction was removed, or another key signed it', async () => {
      const s = (await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2025-01`)).json();
      const keys = parseKeyText((await h.inject({ method: 'GET', url: '/.well-known/minibank/statement-key' })).body);
      const text = JSON.stringify(s);

      const oneDigit = text.replace('"closing_balance":7500', '"closing_balance":7600');
      assert.notEqual(oneDigit, text);
      const digitProblems = statementFileProblems(oneDigit, keys);
      assert.match(digitProblems.join('\n'), /signature does not match/);
      assert.match(digitProblems.join('\n'), /not the closing balance 7600/);

      const removed = statementFileProblems(JSON.stringify({ ...s, transactions: s.transactions.slice(1) }), keys);
      assert.match(removed.join('\n'), /signature does not match/);
      assert.match(removed.join('\n'), /running balance 7500 should be -2500/);

      const other = crypto.generateKeyPairSync('ed25519');
      const { signature: _old, ...rest } = s;
      const forged = { ...rest, signature: crypto.sign(null, Buffer.from(canonicalize(rest)!), other.privateKey).toString('base64url') };
      assert.match(statementFileProblems(JSON.stringify(forged), keys).join('\n'), /signature does not match/);
      const otherJwk = { ...other.publicKey.export({ format: 'jwk' }), kid: s.key_id };
      assert.deepEqual(statementFileProblems(JSON.stringify(forged), [otherJwk]), [], 'the checker is not just refusing everything');
    });

    it('keeps a statement signed by the old key verifiable after a rotation', async () => {
      const old = (await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2025-01`)).json();
      const { keyId, retired } = rotateStatementKey(statementKeyFilePath(h.config));
      assert.equal(retired, old.key_id);
      const fresh = (await get(alice, `/api/v1/accounts/${alice.accountId}/statements/2025-01`)).json();
      assert.equal(fresh.key_id, keyId);
      assert.notEqual(fresh.key_id, old.key_id);
      const jwks = (await h.inject({ method: 'GET', url: '/.well-known/minibank/statement-key' })).json();
      assert.deepEqual(
        jwks.keys.map((k: { kid: string }) => k.kid),
        [keyId, old.key_id],
      );
      assert.ok(verifiesWith(old, jwks));
      assert.ok(verifiesWith(fresh, jwks));
      assert.deepEqual(statementFileProblems(JSON.stringify(old), jwks.keys), []);
    });
  });
}
