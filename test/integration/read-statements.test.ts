/**
 * How many statements the busiest reads send (issue 7: no redundant database reads for auth).
 * GET /api/v1/me: the token's liveness read, which brings the user too, the accounts, and the
 * second-factor summary (contract "Second factor": `mfa`, TOTP and passkeys in one statement). A
 * dashboard view: the session (with its user), the accounts, the recent history and the chart's
 * two reads, and the recovery codes left (issue 13); the primary account is read once and handed to both. Counted through
 * storage.observeQueries, so a read added back fails here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueryKind } from '../../src/storage/query-observers.js';
import { auth, createHarness, dialects, type Harness } from '../helpers/harness.js';
import { manualClock, signedIn, type Browser } from '../pages/browser.js';

for (const dialect of await dialects()) {
  describe(`statements per read (${dialect})`, () => {
    let h: Harness;
    let browser: Browser;
    let token: { token: string };
    before(async () => {
      // A clock that does not move: the session is never due for its periodic last-seen write. No
      // background hold sweep (issue 14): its own transaction, ticking while a request is counted
      // (seen on PostgreSQL on a busy machine), is not one of the request's statements.
      h = await createHarness(dialect, { clock: manualClock(), config: { holdSweepIntervalMs: 0 } });
      const session = await signedIn(h, 'reads-owner');
      browser = session.browser;
      token = session.user;
      await h.deposit(session.user, 2500);
    });
    after(() => h.close());

    const counted = async <T>(request: () => Promise<T>): Promise<{ result: T; kinds: QueryKind[] }> => {
      const kinds: QueryKind[] = [];
      const stop = h.app.ctx.storage.observeQueries((q) => kinds.push(q.kind));
      try {
        return { result: await request(), kinds };
      } finally {
        stop();
      }
    };

    it('answers GET /api/v1/me with three reads (liveness with the user, accounts, second-factor summary)', async () => {
      const { result, kinds } = await counted(() => h.inject({ method: 'GET', url: '/api/v1/me', headers: auth(token) }));
      assert.equal(result.statusCode, 200, result.body);
      assert.equal(result.json().user.username, 'reads-owner');
      assert.deepEqual(kinds, ['select', 'select', 'select']);
    });

    // The sixth read (issue 13): "fewer than three recovery codes left". No read the dashboard already
    // makes touches the second-factor tables; folding it into the session read would add it to every
    // page view (the session is read on each) to save one indexed read here, run in parallel with the
    // history and chart reads.
    it('renders the dashboard with six reads and no write', async () => {
      const { result, kinds } = await counted(() => browser.get('/dashboard'));
      assert.equal(result.status, 200);
      assert.match(result.body, /\$25\.00/);
      assert.deepEqual(kinds, ['select', 'select', 'select', 'select', 'select', 'select']);
    });
  });
}
