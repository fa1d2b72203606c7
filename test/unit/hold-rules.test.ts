/** The pure rules of a hold (src/domain/hold-rules.ts; contract "Holds (round 2)") and the funds rule on the available balance. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureAmount, holdExpiresAtMs } from '../../src/domain/hold-rules.js';
import { covers } from '../../src/domain/movement-rules.js';
import { statusAt } from '../../src/app/hold-views.js';

describe('hold rules', () => {
  it('expires a hold 60..2592000 seconds after it is placed, 7 days by default, and refuses anything else', () => {
    assert.equal(holdExpiresAtMs(1_000n, undefined), 1_000n + 604_800_000n);
    assert.equal(holdExpiresAtMs(0n, 60), 60_000n);
    assert.equal(holdExpiresAtMs(0n, 2_592_000), 2_592_000_000n);
    for (const bad of [59, 2_592_001, 60.5, Number.NaN]) assert.throws(() => holdExpiresAtMs(0n, bad), { code: 'invalid_request', param: 'expires_in' });
  });

  it('captures the whole hold by default, any part of it on request, and never more', () => {
    assert.equal(captureAmount(500n, undefined), 500n);
    assert.equal(captureAmount(500n, 1n), 1n);
    assert.equal(captureAmount(500n, 500n), 500n);
    assert.throws(() => captureAmount(500n, 501n), { code: 'amount_exceeds_hold', param: 'amount' });
  });

  it('covers only what the available balance (balance - held) covers', () => {
    assert.equal(covers({ kind: 'user', balance: 1_000n, held: 700n }, 300n), true);
    assert.equal(covers({ kind: 'user', balance: 1_000n, held: 700n }, 301n), false);
    assert.equal(covers({ kind: 'user', balance: 1_000n, held: 1.5 }, 1n), false, 'a held amount that is not a whole number covers nothing');
  });

  it('reads a pending hold as expired from its expiry on, and a resolved one as it is', () => {
    assert.equal(statusAt({ status: 'pending', expires_at: 100n }, 99n), 'pending');
    assert.equal(statusAt({ status: 'pending', expires_at: 100n }, 100n), 'expired');
    assert.equal(statusAt({ status: 'captured', expires_at: 100n }, 200n), 'captured');
  });
});
