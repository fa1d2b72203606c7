/**
 * Attacks on SQLite's movement worker (issue 17 item 3, SQLITE_WRITE_WORKER=on): a worker killed
 * with a flood in flight never answers 503 for a movement that committed, and retries with the same
 * keys move each exactly once; one user's transfers, deposits, withdrawals and holds at once with a
 * password change, a sign-out and a session revoke on the main thread keep the money exact; a web
 * form's double submit through the worker moves once; memo and amount edges answer, store and
 * notify exactly as in-process commits do.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { verifyBooks } from '../../src/app/verify-books.js';
import { buildApp } from '../../src/http/app.js';
import type { MovementWorkerClient } from '../../src/http/movement-worker-client.js';
import { auth, createHarness, PASSWORD, waitFor, type Harness, type TestUser } from '../helpers/harness.js';
import { signedIn, STRONG_NEW_PASSWORD } from '../pages/browser.js';

const comparable = (body: string): unknown =>
  JSON.parse(body, (key, value: unknown) => (['id', 'number', 'account_number', 'created_at', 'request_id'].includes(key) ? '*' : value));

const send = (h: Harness, user: TestUser, url: string, payload: Record<string, unknown>, key?: string) =>
  h.inject({ method: 'POST', url, headers: { ...auth(user), ...(key ? { 'idempotency-key': key } : {}) }, payload });

describe('attacks on the movement worker (sqlite)', () => {
  let h: Harness;
  let plain: Harness;
  let worker: MovementWorkerClient;
  before(async () => {
    h = await createHarness('sqlite', { config: { sqliteWriteWorker: true } });
    plain = await createHarness('sqlite', { config: { sqliteWriteWorker: false } });
    worker = h.app.ctx.movements as MovementWorkerClient;
    assert.ok(worker, 'movements commit in the worker');
    assert.equal(plain.app.ctx.movements, undefined, 'and in-process on the other bank');
  });
  after(async () => {
    await h?.close();
    await plain?.close();
  });
  const soundBooks = async () => assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);

  it('a worker killed mid-flood: every 503 moved nothing, every 201 moved once; retries with the keys move each exactly once', async () => {
    // Batches of 4, so the flood is many batches and the worker dies between two of them.
    const h = await createHarness('sqlite', { config: { sqliteWriteWorker: true, groupCommitMaxBatch: 4 } });
    const worker = h.app.ctx.movements as MovementWorkerClient;
    try {
      const payers = await Promise.all(['ka', 'kb', 'kc', 'kd'].map((n) => h.user(`kill-${n}`)));
      const payee = await h.user('kill-payee');
      for (const p of payers) await h.deposit(p, 10_000);
      for (let round = 0; round < 4; round++) {
        // A warm worker (a restarted one loads its modules first), so batches commit while the flood arrives.
        const warm = await send(h, payers[0]!, '/api/v1/deposits', { account_id: payers[0]!.accountId, amount: 1 });
        assert.ok([201, 503].includes(warm.statusCode), warm.body);
        const before = await h.balance(payee.accountId);
        const keyed = round >= 2;
        const early = round % 2 === 0;
        const requests = payers.flatMap((p, i) => Array.from({ length: 30 }, (_, j) => ({ p, key: keyed ? `kill-${round}-${i}-${j}` : undefined })));
        const flood = requests.map(({ p, key }) => send(h, p, '/api/v1/transfers', { from_account_id: p.accountId, to: payee.accountNumber, amount: 1 }, key));
        // Early: armed while the movements are in the worker's queue, so the first batch dies. Late:
        // armed once a batch committed. The worker takes every message it has before it drains its
        // queue, so a late fault fires only after the flood (the probe below), never between batches.
        if (early) await waitFor('movements in the worker', () => worker.inFlight >= 10, { attempts: 5000, pauseMs: 0 });
        else await waitFor('a first batch committed', async () => (await h.balance(payee.accountId)) > before, { attempts: 5000, pauseMs: 0 });
        const atArm = await h.balance(payee.accountId);
        worker.armTestFault('exit-after-debit');
        const answers = await Promise.all(flood);
        const statuses = answers.map((r) => r.statusCode);
        assert.ok(
          statuses.every((s) => s === 201 || s === 503),
          statuses.join(','),
        );
        const ok = statuses.filter((s) => s === 201).length;
        console.log(
          `# round ${round} (${keyed ? 'keyed' : 'no keys'}): ${ok} answered 201, ${statuses.length - ok} answered 503; moved ${before} -> ${atArm} at the fault`,
        );
        assert.equal(await h.balance(payee.accountId), before + BigInt(ok), `round ${round}: 201s ${ok}, moved ${(await h.balance(payee.accountId)) - before}`);
        if (keyed) {
          // Every request again with its key: the committed ones replay, the failed ones move now.
          const retried = await Promise.all(
            requests.map(({ p, key }) => send(h, p, '/api/v1/transfers', { from_account_id: p.accountId, to: payee.accountNumber, amount: 1 }, key)),
          );
          for (const [i, r] of retried.entries()) {
            assert.equal(r.statusCode, 201, r.body);
            assert.equal(r.headers['idempotent-replayed'] === 'true', statuses[i] === 201, 'replayed exactly when the first answer was 201');
          }
          assert.equal(await h.balance(payee.accountId), before + BigInt(requests.length), 'each key moved once');
        }
        // A late fault is still armed: the probe meets it (503) or a fresh worker takes it (201).
        const probe = await send(h, payers[0]!, '/api/v1/deposits', { account_id: payers[0]!.accountId, amount: 1 });
        assert.ok([201, 503].includes(probe.statusCode), probe.body);
      }
      assert.deepEqual((await verifyBooks(h.app.ctx.storage.db)).problems, []);
    } finally {
      await h.close();
    }
  });

  for (const when of ['once movements are in the worker', 'at once, before any reached it']) {
    it(`the app closed during a flood of keyed transfers (${when}): no 500, and a restarted app moves each key exactly once`, async () => {
      const k = await createHarness('sqlite', { config: { sqliteWriteWorker: true } });
      const payers = await Promise.all(['ca', 'cb'].map((n) => k.user(`shut-${n}`)));
      const payee = await k.user('shut-payee');
      for (const p of payers) await k.deposit(p, 1000);
      const kWorker = k.app.ctx.movements as MovementWorkerClient;
      const requests = payers.flatMap((p, i) => Array.from({ length: 25 }, (_, j) => ({ p, key: `shut-${i}-${j}` })));
      const pay = (app: { inject: Harness['inject'] }, { p, key }: { p: TestUser; key: string }) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/transfers',
          headers: { ...auth(p), 'idempotency-key': key },
          payload: { from_account_id: p.accountId, to: payee.accountNumber, amount: 3 },
        });
      const flood = requests.map((r) => pay(k.app, r));
      if (when.startsWith('once')) await waitFor('movements in the worker', () => kWorker.inFlight > 0, { attempts: 5000, pauseMs: 0 });
      await k.app.close();
      const first = await Promise.all(flood);
      const statuses = first.map((r) => r.statusCode);
      console.log(`# closed mid-flood: ${statuses.filter((s) => s === 201).length} answered 201, ${statuses.filter((s) => s !== 201).length} not`);
      for (const r of first) assert.ok([201, 503].includes(r.statusCode), `${r.statusCode} ${r.body}`);
      const again = await buildApp({ config: k.config });
      try {
        const retried = await Promise.all(requests.map((r) => pay(again, r)));
        for (const [i, r] of retried.entries()) {
          assert.equal(r.statusCode, 201, r.body);
          assert.equal(r.headers['idempotent-replayed'] === 'true', statuses[i] === 201, `${requests[i]!.key}: replayed exactly when the first answer was 201`);
        }
        const row = await again.ctx.storage.db.selectFrom('accounts').select('balance').where('id', '=', payee.accountId).executeTakeFirstOrThrow();
        assert.equal(BigInt(row.balance), BigInt(3 * requests.length), 'each key moved once');
        assert.deepEqual((await verifyBooks(again.ctx.storage.db)).problems, []);
      } finally {
        await again.close();
        fs.rmSync(k.dataDir, { recursive: true, force: true });
      }
    });
  }

  it('one user’s transfers, deposits, withdrawals and holds at once with a password change, a sign-out and a session revoke', async () => {
    const { browser, user } = await signedIn(h, 'busy-user');
    const payee = await h.user('busy-payee');
    const second = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'busy-user', password: PASSWORD } });
    const other = { ...user, token: second.json<{ access_token: string }>().access_token };
    await h.deposit(user, 100);
    await browser.get('/settings');
    const work = [];
    for (let i = 0; i < 15; i++) {
      work.push(send(h, user, '/api/v1/transfers', { from_account_id: user.accountId, to: payee.accountNumber, amount: 7 }, `busy-t-${i}`));
      work.push(send(h, user, '/api/v1/deposits', { account_id: user.accountId, amount: 3 }, `busy-d-${i}`));
      work.push(send(h, user, '/api/v1/withdrawals', { account_id: user.accountId, amount: 5 }, `busy-w-${i}`));
      work.push(send(h, user, '/api/v1/holds', { from_account_id: user.accountId, to: payee.accountNumber, amount: 4 }));
    }
    const mainThread = [
      browser.post('/settings/sessions/revoke-others', {}).then((page) => page.res),
      h.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: auth(other) }),
      browser.post('/settings/password', { current_password: PASSWORD, new_password: STRONG_NEW_PASSWORD }).then((page) => page.res),
    ];
    const answers = await Promise.all(work);
    for (const page of await Promise.all(mainThread)) assert.ok(page.statusCode < 500, `main thread: ${page.statusCode} ${page.body.slice(0, 200)}`);
    const kinds = ['transfer', 'deposit', 'withdrawal', 'hold'];
    const ok = kinds.map((_, k) => answers.filter((r, i) => i % 4 === k && r.statusCode === 201).length);
    // 401: the token died first; 503: a lock wait ran out on a loaded machine. Neither moved anything.
    for (const r of answers) assert.ok([201, 401, 422, 503].includes(r.statusCode), `${r.statusCode} ${r.body}`);
    const [transfers, deposits, withdrawals, holds] = ok as [number, number, number, number];
    console.log(
      `# moved: ${transfers} transfers, ${deposits} deposits, ${withdrawals} withdrawals, ${holds} holds; ${answers.filter((r) => r.statusCode === 401 || r.statusCode === 503).length} refused at the door or timed out`,
    );
    const balance = await h.balance(user.accountId);
    assert.equal(balance, BigInt(100 + 3 * deposits - 7 * transfers - 5 * withdrawals), `moved ${ok.join('/')}`);
    assert.equal(await h.balance(payee.accountId), BigInt(7 * transfers));
    const { held } = await h.app.ctx.storage.db.selectFrom('accounts').select('held').where('id', '=', user.accountId).executeTakeFirstOrThrow();
    assert.equal(BigInt(held), BigInt(4 * holds));
    assert.ok(balance - BigInt(held) >= 0n, 'the available balance never went below zero');
    // A retry of every keyed movement replays: nothing moves twice (the old token may be dead: 401 then).
    const sign = await h.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'busy-user', password: STRONG_NEW_PASSWORD } });
    assert.equal(sign.statusCode, 200, sign.body);
    const fresh = { ...user, token: sign.json<{ access_token: string }>().access_token };
    let newlyMoved = 0;
    for (let i = 0; i < 15; i++) {
      const first = answers[i * 4]!;
      const r = await send(h, fresh, '/api/v1/transfers', { from_account_id: user.accountId, to: payee.accountNumber, amount: 7 }, `busy-t-${i}`);
      assert.ok([201, 422].includes(r.statusCode), r.body);
      if (first.statusCode !== 401 && first.statusCode !== 503) {
        assert.equal(r.statusCode, first.statusCode, `busy-t-${i}: the retry answers as the first`);
        assert.equal(r.headers['idempotent-replayed'], 'true', `busy-t-${i}: replayed`);
      } else if (r.statusCode === 201) newlyMoved += 1;
    }
    assert.equal(await h.balance(payee.accountId), BigInt(7 * (transfers + newlyMoved)), 'nothing moved twice');
    await soundBooks();
  });

  it('an account closed on the main thread while a payment into it is in the worker: never both', async () => {
    const payer = await h.user('close-payer');
    await h.deposit(payer, 1000);
    const outcomes = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const owner = await h.user(`close-owner-${i}`);
      const opened = await h.inject({ method: 'POST', url: '/api/v1/accounts', headers: auth(owner), payload: { currency: 'USD', name: 'Spare' } });
      assert.equal(opened.statusCode, 201, opened.body);
      const json = opened.json<{ account?: { id: string; number: string }; id: string; number: string }>();
      const target = json.account ?? json;
      const [paid, closed] = await Promise.all([
        send(h, payer, '/api/v1/transfers', { from_account_id: payer.accountId, to: target.number, amount: 5 }, `close-${i}`),
        h.inject({ method: 'POST', url: `/api/v1/accounts/${target.id}/close`, headers: auth(owner) }),
      ]);
      outcomes.add(`${paid.statusCode}/${closed.statusCode}`);
      assert.ok(!(paid.statusCode === 201 && closed.statusCode === 200), `round ${i}: paid and closed both`);
      assert.ok(paid.statusCode < 500 && closed.statusCode < 500, `${paid.body} ${closed.body}`);
      assert.equal(await h.balance(target.id), paid.statusCode === 201 ? 5n : 0n);
    }
    console.log(`# payment/close answers seen: ${[...outcomes].join(', ')}`);
    await soundBooks();
  });

  it('a web form’s double submit through the worker moves once', async () => {
    const { browser, user } = await signedIn(h, 'form-user');
    const payee = await h.user('form-payee');
    await h.deposit(user, 1000);
    await browser.get('/transfer');
    const key = browser.formKey();
    assert.ok(key);
    const form = { account: user.accountId, to: payee.accountNumber, amount: '2.50', idempotency_key: key, step: 'confirm' };
    const [a, b] = await Promise.all([browser.post('/transfer', form), browser.post('/transfer', form)]);
    const c = await browser.post('/transfer', form);
    for (const page of [a, b, c]) assert.ok(page.status < 500, `${page.status} ${page.body.slice(0, 300)}`);
    assert.equal(c.status, 303, c.body.slice(0, 300));
    assert.equal(await h.balance(payee.accountId), 250n);
    assert.equal(await h.balance(user.accountId), 750n);
  });

  it('memo and amount edges answer, store and notify as in-process commits', async () => {
    const banks = [h, plain];
    const users = [];
    for (const bank of banks) {
      const [alice, bob] = [await bank.user('edge-alice'), await bank.user('edge-bob')];
      await bank.deposit(alice, 20);
      await sql`insert into notification_settings (user_id, email_off, sent_threshold_minor) values (${alice.userId}, '', 0)`.execute(bank.app.ctx.storage.db);
      users.push({ alice, bob });
    }
    const cases: [string | null, number, number][] = [
      ['', 1, 201],
      ['🏦'.repeat(140), 1, 201],
      ['x'.repeat(141), 1, 400],
      [`it's "quoted" \\ \\u0001 ''`, 1, 201],
      ['a\u0001b', 1, 400],
      ['a\ud800b', 1, 400],
      ['Zoë 日本 ✓', 1, 201],
      [null, 0, 400],
      [null, 7, 201],
      [null, 8, 201],
      [null, 2, 422],
    ];
    for (const [i, [memo, amount, status]] of cases.entries()) {
      for (const round of ['first', 'replay']) {
        const pair = [];
        for (const [b, bank] of banks.entries()) {
          const { alice, bob } = users[b]!;
          const r = await send(bank, alice, '/api/v1/transfers', { from_account_id: alice.accountId, to: bob.accountNumber, amount, memo }, `edge-${i}`);
          pair.push({ status: r.statusCode, body: comparable(r.body), replayed: r.headers['idempotent-replayed'] ?? null });
        }
        assert.deepEqual(pair[0], pair[1], `case ${i} (${round})`);
        assert.equal(pair[0]!.status, status, `case ${i}`);
      }
    }
    const rows = async (bank: Harness) => ({
      ledger: (await sql<{ memo: string | null }>`select memo from ledger_transactions where type = 'transfer' order by seq`.execute(bank.app.ctx.storage.db))
        .rows,
      notices: (
        await sql<{ kind: string; text: string }>`select kind, text from notifications where kind like 'money%' order by seq`.execute(bank.app.ctx.storage.db)
      ).rows,
    });
    const [inWorker, inProcess] = [await rows(h), await rows(plain)];
    assert.deepEqual(
      inWorker.notices.filter((n) => /edge-/.test(n.text)),
      inProcess.notices.filter((n) => /edge-/.test(n.text)),
    );
    assert.deepEqual(inWorker.ledger.slice(-inProcess.ledger.length), inProcess.ledger);
  });
});
