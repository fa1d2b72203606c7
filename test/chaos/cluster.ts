/**
 * The servers under test and the users whose money moves between them. Clients pick an instance at
 * random for every attempt, like a load balancer that knows nothing about health.
 */
import { callApi, type ApiRequest, type ApiResult } from './api-client.js';
import type { Prng } from './prng.js';
import { sleep, type ServerProcess } from './server-process.js';

export interface ChaosUser {
  index: number;
  username: string;
  password: string;
  token: string;
  userId: string;
  accountId: string;
  accountNumber: string;
  /** Minor units deposited at setup, before any fault. */
  initial: number;
}

export class Cluster {
  constructor(readonly servers: ServerProcess[]) {}

  pick(rng: Prng): ServerProcess {
    return rng.pick(this.servers);
  }

  /** For setup and the final phases: retries on unknown outcomes until a definite answer. */
  async callUntilDefinite(rng: Prng, request: ApiRequest, maxAttempts = 20): Promise<ApiResult & { instance: number }> {
    let last: ApiResult & { instance: number } = { outcome: 'unknown', replayed: false, instance: -1 };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const server = this.pick(rng);
      last = { ...(await callApi(server.baseUrl, request)), instance: server.index };
      if (last.outcome !== 'unknown') return last;
      await sleep(100 * attempt);
    }
    return last;
  }
}

const strict = <T>(value: T | undefined, what: string): T => {
  if (value === undefined || value === null) throw new Error(`setup: missing ${what}`);
  return value;
};

/** Signs up `count` users with long random passwords and funds each with a known deposit. */
export async function createUsers(cluster: Cluster, rng: Prng, count: number, timeoutMs: number): Promise<ChaosUser[]> {
  const users: ChaosUser[] = [];
  const runTag = rng.text(6, 'abcdefghijklmnopqrstuvwxyz0123456789');
  for (let index = 0; index < count; index++) {
    const username = `chaos-${runTag}-u${index}`;
    const password = rng.text(24);
    const initial = rng.int(5_000, 50_000);
    const signup = await cluster.callUntilDefinite(rng, { method: 'POST', path: '/api/v1/signup', body: { username, password }, timeoutMs: timeoutMs * 4 });
    if (signup.status !== 201) throw new Error(`setup: signup of ${username} answered ${signup.status ?? signup.error} ${JSON.stringify(signup.body)}`);
    const { user, account } = signup.body as { user: { id: string }; account: { id: string; number: string } };
    const login = await cluster.callUntilDefinite(rng, { method: 'POST', path: '/api/v1/auth/token', body: { username, password }, timeoutMs: timeoutMs * 4 });
    if (login.status !== 200) throw new Error(`setup: sign-in of ${username} answered ${login.status ?? login.error} ${JSON.stringify(login.body)}`);
    const token = strict((login.body as { access_token?: string }).access_token, 'access_token');
    const deposit = await cluster.callUntilDefinite(rng, {
      method: 'POST',
      path: '/api/v1/deposits',
      token,
      idempotencyKey: `chaos-setup-${runTag}-${index}`,
      body: { account_id: account.id, amount: initial, memo: `chaos setup ${index}` },
      timeoutMs: timeoutMs * 4,
    });
    if (deposit.status !== 201) throw new Error(`setup: deposit for ${username} answered ${deposit.status ?? deposit.error} ${JSON.stringify(deposit.body)}`);
    users.push({ index, username, password, token, userId: user.id, accountId: account.id, accountNumber: account.number, initial });
  }
  return users;
}
