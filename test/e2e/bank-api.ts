/**
 * A few JSON API calls, so the browser suite can check the ledger from outside the pages it is
 * testing (for example that a refused cross-site post moved nothing).
 */
import assert from 'node:assert/strict';

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
