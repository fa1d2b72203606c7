/**
 * Issue 12 item 1: the decision of a movement lives once, in src/domain/movement-rules.ts, as pure
 * functions; the databases only gather facts on their locked rows. And the layout rule that goes
 * with it: no database test and no SQL or Kysely builder outside src/storage/.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BALANCE_MINOR } from '../../src/domain/money.js';
import { approves, covers, factsOf, KINDS_THAT_MAY_OVERDRAW, refusalOf, type MovementParty } from '../../src/domain/movement-rules.js';

const user = (balance: bigint | number, extra: Partial<MovementParty> = {}): MovementParty => ({
  kind: 'user',
  status: 'active',
  currency: 'USD',
  balance,
  ...extra,
});
const cash = (balance: bigint): MovementParty => ({ kind: 'system', status: 'active', currency: 'USD', balance });
const codeOf = (from: MovementParty, to: MovementParty, amount: bigint) => refusalOf(factsOf(from, to, amount), { from: from.currency, to: to.currency })?.code;

describe('movement rules (issue 12 item 1)', () => {
  it('lets only the cash account overdraw: the overdraft rule, written once', () => {
    assert.deepEqual(KINDS_THAT_MAY_OVERDRAW, ['system']);
    assert.equal(covers(cash(0n), 500n), true);
    assert.equal(covers(user(500n), 500n), true);
    assert.equal(covers(user(499n), 500n), false);
    assert.equal(covers(user(500.5), 1n), false, 'a float read from a damaged row covers nothing');
  });

  it('approves a covered movement between active accounts of one currency within the bound', () => {
    assert.equal(approves(factsOf(user(1_000n), user(0n), 1_000n)), true);
    assert.equal(codeOf(user(1_000n), user(0n), 1_000n), undefined);
    assert.equal(codeOf(cash(-5n), user(0n), 10n), undefined, 'a deposit draws on the cash account below zero');
  });

  it('refuses in one order: frozen, then currency, then the bound, then funds', () => {
    const frozenPoorOtherCurrency = user(0n, { status: 'frozen', currency: 'EUR' });
    assert.equal(codeOf(user(0n), frozenPoorOtherCurrency, 5n), 'account_frozen');
    assert.equal(codeOf(user(0n), user(MAX_BALANCE_MINOR, { currency: 'EUR' }), 5n), 'currency_mismatch');
    assert.equal(codeOf(user(0n), user(MAX_BALANCE_MINOR), 5n), 'limit_reached', 'the bound before the funds');
    assert.equal(codeOf(user(4n), user(0n), 5n), 'insufficient_funds');
  });

  it('refuses a closed account on either side before anything else (issue 14 item 1)', () => {
    const closed = (balance: bigint, extra: Partial<MovementParty> = {}) => user(balance, { closed_at: 1n, ...extra });
    assert.equal(codeOf(closed(100n), user(0n), 5n), 'account_closed');
    assert.equal(codeOf(user(100n), closed(0n), 5n), 'account_closed');
    assert.equal(codeOf(user(0n), closed(0n, { status: 'frozen', currency: 'EUR' }), 5n), 'account_closed', 'closed before frozen');
    assert.equal(codeOf(cash(0n), closed(0n), 5n), 'account_closed', 'no deposit into it');
    assert.equal(approves(factsOf(user(100n, { closed_at: null }), user(0n), 5n)), true, 'null closed_at is open');
  });

  it('names both currencies and the fields at fault in its refusals', () => {
    const mismatch = refusalOf(factsOf(user(10n), user(0n, { currency: 'EUR' }), 5n), { from: 'USD', to: 'EUR' });
    assert.equal(mismatch?.message, "The payee's account holds EUR, not USD.");
    assert.equal(mismatch?.param, 'to');
    assert.equal(refusalOf(factsOf(user(4n), user(0n), 5n), { from: 'USD', to: 'USD' })?.param, 'amount');
    assert.equal(refusalOf(factsOf(user(0n), user(MAX_BALANCE_MINOR), 5n), { from: 'USD', to: 'USD' })?.param, 'amount');
  });

  it('keeps both sides within the bound, up to and including it, in both directions', () => {
    assert.equal(codeOf(user(100n), user(MAX_BALANCE_MINOR - 5n), 5n), undefined);
    assert.equal(codeOf(user(100n), user(MAX_BALANCE_MINOR - 5n), 6n), 'limit_reached');
    assert.equal(codeOf(cash(-MAX_BALANCE_MINOR + 5n), user(0n), 5n), undefined);
    assert.equal(codeOf(cash(-MAX_BALANCE_MINOR + 5n), user(0n), 6n), 'limit_reached');
    assert.equal(codeOf(user(10n), user(1.5), 5n), 'limit_reached', 'a float balance is never within the bound');
  });
});
