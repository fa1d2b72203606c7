/**
 * The bench's transfer: a random payer pays 1-100 minor units to another random user, each request
 * with its own Idempotency-Key (so every one is a new movement). Used by bench/run.ts and
 * bench/interleave.ts alike.
 */
import { pick, randomKey, type LoadRequest } from './load.js';
import type { BenchUser } from './seed.js';

export function transferRequest(users: readonly BenchUser[]): LoadRequest {
  return {
    method: 'POST',
    path: '/api/v1/transfers',
    headers: { 'content-type': 'application/json' },
    unique: true,
    vary: () => {
      const payer = pick(users);
      let payee = pick(users);
      while (payee === payer) payee = pick(users);
      return {
        headers: { authorization: `Bearer ${payer.token}`, 'idempotency-key': randomKey() },
        body: JSON.stringify({ from_account_id: payer.accountId, to: payee.accountNumber, amount: 1 + Math.floor(Math.random() * 100) }),
      };
    },
  };
}
