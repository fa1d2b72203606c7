/**
 * A few JSON API calls, so the browser suite can check the ledger from outside the pages it is
 * testing (for example that a refused cross-site post moved nothing) and set people up (customers,
 * TOTP enrolled with the codes an authenticator app would show) without going through the pages.
 */
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';

export interface AccountState {
  accountId: string;
  balanceMinor: number;
  transactionIds: string[];
}

export async function accountState(origin: string, username: string, password: string): Promise<AccountState> {
  const tokenRes = await fetch(`${origin}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(tokenRes.status, 200, `token for ${username}: ${await tokenRes.clone().text()}`);
  const { access_token: token } = (await tokenRes.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${token}` };
  try {
    const me = (await (await fetch(`${origin}/api/v1/me`, { headers: auth })).json()) as { accounts: { id: string; balance: number }[] };
    const account = me.accounts[0]!;
    const txRes = await fetch(`${origin}/api/v1/accounts/${account.id}/transactions?limit=100`, { headers: auth });
    const tx = (await txRes.json()) as { data: { id: string }[] };
    return { accountId: account.id, balanceMinor: account.balance, transactionIds: tx.data.map((t) => t.id) };
  } finally {
    await fetch(`${origin}/api/v1/auth/logout`, { method: 'POST', headers: auth });
  }
}

export interface ApiCallOptions {
  body?: unknown;
  /** A bearer token. */
  token?: string;
  headers?: Record<string, string>;
  /** The status the call must answer; without it, any status below 300. */
  expect?: number;
}

/** One JSON API call to `origin` + /api/v1 + `url`; asserts the status, returns the parsed body ({} when empty). */
export async function apiCall<T = Record<string, unknown>>(origin: string, method: string, url: string, options: ApiCallOptions = {}): Promise<T> {
  const { body, token, headers = {}, expect } = options;
  const res = await fetch(`${origin}/api/v1${url}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (expect === undefined) assert.ok(res.status < 300, `${method} ${url}: ${res.status} ${text}`);
  else assert.equal(res.status, expect, `${method} ${url}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export interface ApiCustomer {
  token: string;
  /** The bearer header of `token`. */
  auth: Record<string, string>;
  /** The first (Main) account's id. */
  accountId: string;
}

/** Signs `username` up through the API (201), takes a token (200) and reads the first account's id. */
export async function apiCustomer(origin: string, username: string, password: string): Promise<ApiCustomer> {
  await apiCall(origin, 'POST', '/signup', { body: { username, password }, expect: 201 });
  const { access_token: token } = await apiCall<{ access_token: string }>(origin, 'POST', '/auth/token', { body: { username, password }, expect: 200 });
  const me = await apiCall<{ accounts: { id: string }[] }>(origin, 'GET', '/me', { token });
  return { token, auth: { authorization: `Bearer ${token}` }, accountId: me.accounts[0]!.id };
}

/** TOTP as an authenticator app computes it (RFC 6238: SHA-1, 6 digits, 30 s steps) for `secret` (base32) at `timestampMs`. */
export function totpCode(secret: string, timestampMs: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: timestampMs });
}

/** The code an authenticator app shows for `key` (base32), `offset` 30-second steps from now. */
export const appCode = (key: string, offset = 0): string => totpCode(key, Date.now() + offset * 30_000);

/**
 * Turns TOTP on through the API (POST /me/mfa/totp 201, then /confirm 200 with `code(secret)`, the
 * code of the app just set up); returns the secret (base32).
 */
export async function enrolTotpThroughApi(
  origin: string,
  token: string,
  password: string,
  code: (secret: string) => string | Promise<string>,
): Promise<string> {
  const { secret } = await apiCall<{ secret: string }>(origin, 'POST', '/me/mfa/totp', { body: { password }, token, expect: 201 });
  await apiCall(origin, 'POST', '/me/mfa/totp/confirm', { body: { otp: await code(secret) }, token, expect: 200 });
  return secret;
}
