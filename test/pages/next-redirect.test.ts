import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loginUrlFor, safeNextPath } from '../../src/http/pages/safe-next.js';
import { createHarness, PASSWORD, type Harness } from '../helpers/harness.js';
import { Browser } from './browser.js';

const EVIL = [
  '//evil.example',
  '//evil.example/path',
  '/\\evil.example',
  '/\\/evil.example',
  '\\\\evil.example',
  'https://evil.example/',
  'http:evil.example',
  'javascript:alert(1)',
  'JavaScript:alert(1)',
  ' /dashboard',
  '/dash\nboard',
  '/\t/evil.example',
  'data:text/html,hi',
  'evil.example',
  '',
  '/%0d%0aSet-Cookie:x=y',
];

describe('safeNextPath', () => {
  it('keeps same-site paths with their query and fragment', () => {
    assert.equal(safeNextPath('/dashboard'), '/dashboard');
    assert.equal(safeNextPath('/transactions?type=deposit&from=2026-01-01'), '/transactions?type=deposit&from=2026-01-01');
    assert.equal(safeNextPath('/settings#sessions'), '/settings#sessions');
  });

  it('drops anything that could leave the site', () => {
    for (const evil of EVIL.slice(0, -1)) assert.equal(safeNextPath(evil), null, JSON.stringify(evil));
    assert.equal(safeNextPath(undefined), null);
    assert.equal(safeNextPath(['/dashboard']), null);
    assert.equal(safeNextPath('/' + 'a'.repeat(600)), null);
  });

  it('keeps an encoded line break encoded, so it cannot split a header', () => {
    assert.equal(safeNextPath('/%0d%0aSet-Cookie:x=y'), '/%0d%0aSet-Cookie:x=y');
  });

  it('builds the login URL with next encoded, and without it for the home page', () => {
    assert.equal(loginUrlFor('/transfer?to=bob'), '/login?next=%2Ftransfer%3Fto%3Dbob');
    assert.equal(loginUrlFor('/'), '/login');
    assert.equal(loginUrlFor('//evil.example'), '/login');
  });
});

describe('sign-in with next (sqlite)', () => {
  let h: Harness;
  before(async () => {
    h = await createHarness('sqlite');
    await h.user('traveller');
  });
  after(async () => h.close());

  async function loginWith(next: string): Promise<string | undefined> {
    const browser = new Browser(h.app);
    const form = await browser.get(`/login?next=${encodeURIComponent(next)}`);
    const field = /name="next" value="([^"]*)"/.exec(form.body)?.[1]?.replace(/&amp;/g, '&');
    const res = await browser.post('/login', { username: 'traveller', password: PASSWORD, ...(field !== undefined ? { next: field } : {}) });
    assert.equal(res.status, 303);
    return res.location;
  }

  it('goes back to the page that asked for sign-in', async () => {
    const bounce = await new Browser(h.app).get('/transactions?type=deposit');
    assert.equal(bounce.location, '/login?next=%2Ftransactions%3Ftype%3Ddeposit');
    assert.equal(await loginWith('/transactions?type=deposit'), '/transactions?type=deposit');
    assert.equal(await loginWith('/settings'), '/settings');
  });

  it('goes to the dashboard instead of any other site', async () => {
    for (const evil of EVIL)
      assert.equal(await loginWith(evil), evil === '/%0d%0aSet-Cookie:x=y' ? '/%0d%0aSet-Cookie:x=y' : '/dashboard', JSON.stringify(evil));
  });

  it('ignores a next field forged into the form post', async () => {
    const browser = new Browser(h.app);
    await browser.get('/login');
    const res = await browser.post('/login', { username: 'traveller', password: PASSWORD, next: '//evil.example' });
    assert.equal(res.location, '/dashboard');
  });
});
