/**
 * The checker must catch what it is there to catch: each kind of violation is staged against a
 * real ledger (through the API, on a fresh database) and must be reported under its check, while
 * an honest history of the same ledger is reported clean.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auth, createHarness, type Harness, type TestUser } from '../helpers/harness.js';
import { check, type CheckInput } from './checker.js';
import type { ChaosUser } from './cluster.js';
import { History, type Attempt, type TransferOp } from './history.js';

const INITIAL = 10_000;

describe('the chaos checker', () => {
  let h: Harness;
  let users: ChaosUser[];

  before(async () => {
    h = await createHarness('sqlite');
    users = [];
    for (const [index, name] of ['alice', 'bob', 'carol'].entries()) {
      const u: TestUser = await h.user(`checker-${name}`);
      const res = await h.inject({
        method: 'POST',
        url: '/api/v1/deposits',
        headers: { ...auth(u), 'idempotency-key': `setup-${index}` },
        payload: { account_id: u.accountId, amount: INITIAL, memo: `chaos setup ${index}` },
      });
      assert.equal(res.statusCode, 201);
      users.push({
        index,
        username: u.username,
        password: '',
        token: u.token,
        userId: u.userId,
        accountId: u.accountId,
        accountNumber: u.accountNumber,
        initial: INITIAL,
      });
    }
  });
  after(async () => h.close());

  let opCounter = 0;
  /** Sends a real transfer and returns the op as the clients would record it. */
  async function send(from: number, to: number, amount: number, options: { key?: boolean; id?: string } = {}): Promise<TransferOp> {
    const id = options.id ?? `c0-${opCounter++}`;
    const key = `key-${id}`;
    const payer = users[from] as ChaosUser;
    const res = await h.inject({
      method: 'POST',
      url: '/api/v1/transfers',
      headers: { ...auth(payer), ...(options.key === false ? {} : { 'idempotency-key': key }) },
      payload: { from_account_id: payer.accountId, to: (users[to] as ChaosUser).username, amount, memo: `chaos ${id}` },
    });
    const ok = res.statusCode === 201;
    const attempt: Attempt = { phase: 'load', instance: 0, startMs: 0, endMs: 1, outcome: ok ? 'ok' : 'fail', status: res.statusCode };
    if (ok) attempt.txId = res.json().transaction.id;
    else attempt.code = res.json().error.code;
    return {
      id,
      kind: 'transfer',
      client: 0,
      from,
      to,
      toBy: 'username',
      amount,
      key,
      memo: `chaos ${id}`,
      attempts: [attempt],
      loadOutcome: attempt.outcome,
      final: attempt.outcome,
      txId: attempt.txId,
      code: attempt.code,
    };
  }

  const input = (history: History): CheckInput => ({
    storage: h.app.ctx.storage,
    history,
    users,
    initialTotal: INITIAL * users.length,
    samples: [{ atMs: 0, total: INITIAL * users.length }],
    verify: { exitCode: 0, output: '' },
    unexpectedExits: [],
  });

  it('reports an honest history of acknowledged and refused transfers as clean', async () => {
    const history = new History(Date.now());
    history.transfers.push(await send(0, 1, 1_500), await send(1, 2, 99_999), await send(2, 0, 700));
    assert.equal(history.transfers[1]?.final, 'fail');
    const result = await check(input(history));
    assert.deepEqual(result.violations, []);
  });

  it('names a lost acknowledgement, a refused transfer that moved money, a double application, a negative read and a stray transaction', async () => {
    const history = new History(Date.now());
    const honest = await send(0, 2, 100);
    // Acknowledged to the client, but never in the ledger.
    const lost: TransferOp = { ...(await send(0, 1, 5)), id: 'c0-lost', memo: 'chaos c0-lost', txId: 'no-such-transaction' };
    (lost.attempts[0] as Attempt).txId = 'no-such-transaction';
    // Told "refused", yet the money moved.
    const moved = await send(1, 0, 200);
    moved.final = 'fail';
    moved.code = 'insufficient_funds';
    moved.attempts = [{ phase: 'load', instance: 0, startMs: 0, endMs: 1, outcome: 'fail', status: 422, code: 'insufficient_funds' }];
    // Retried after a timeout and applied twice (the second request carried no key).
    const twice = await send(2, 1, 300, { key: false, id: 'c0-twice' });
    await send(2, 1, 300, { key: false, id: 'c0-twice' });
    twice.attempts.unshift({ phase: 'load', instance: 0, startMs: 0, endMs: 1, outcome: 'unknown', error: 'timeout' });
    history.transfers.push(honest, lost, moved, twice);
    history.seeBalance('c0-read', 0, -5, 'GET /me accounts[].balance');
    // A deposit nobody asked for: money from nowhere, as far as the users' total goes.
    await h.inject({
      method: 'POST',
      url: '/api/v1/deposits',
      headers: auth(users[0] as ChaosUser),
      payload: { account_id: (users[0] as ChaosUser).accountId, amount: 1, memo: 'rogue' },
    });

    const result = await check(input(history));
    const byCheck = (name: string) => result.violations.filter((v) => v.check === name);
    assert.ok(
      byCheck('acknowledged-exactly-once').some((v) => v.ops.includes('c0-lost')),
      JSON.stringify(result.violations, null, 1),
    );
    assert.ok(byCheck('definite-failure-absent').some((v) => v.ops.includes(moved.id)));
    assert.ok(byCheck('negative-read').length === 1);
    assert.ok(byCheck('unexplained-transaction').some((v) => /rogue/.test(v.message)));
    assert.ok(byCheck('total').length === 1);
    assert.ok(byCheck('replay').length > 0);
    assert.ok(byCheck('retried-at-most-once').some((v) => v.ops.includes('c0-twice')));
    assert.ok(byCheck('idempotency-record').some((v) => v.ops.includes('c0-twice')));
  });
});
