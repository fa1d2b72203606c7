/**
 * Shared pieces of the attack suite (not a test file): every attack is run between two snapshots of
 * everything an attacker could want to change, and the test fails if anything moved.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ledgerSnapshot } from '../helpers/harness.js';

/** Money and users (ledgerSnapshot) plus credentials: password hashes, live sessions and tokens. */
export async function stateSnapshot(app: FastifyInstance): Promise<string> {
  const db = app.ctx.storage.db;
  const users = await db.selectFrom('users').select(['id', 'username', 'password_hash']).orderBy('id').execute();
  const sessions = await db.selectFrom('sessions').select(['handle', 'user_id']).orderBy('handle').execute();
  const tokens = await db.selectFrom('api_tokens').select(['jti', 'revoked_at']).orderBy('jti').execute();
  const big = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);
  return `${await ledgerSnapshot(app)}\n${JSON.stringify({ users, sessions, tokens }, big)}`;
}

/** Runs `attack` and asserts that neither money, users nor credentials changed. Returns what it returned. */
export async function unchanged<T>(app: FastifyInstance, attack: () => Promise<T>): Promise<T> {
  const before = await stateSnapshot(app);
  const result = await attack();
  assert.equal(await stateSnapshot(app), before, 'the attack changed the state of the bank');
  return result;
}

/** The contract's error body with this code (and no stack trace or internals). */
export function assertError(res: { statusCode: number; json(): unknown; body: string }, status: number, code: string): void {
  assert.equal(res.statusCode, status, `expected ${status} ${code}, got ${res.statusCode}: ${res.body.slice(0, 300)}`);
  const body = res.json() as { error?: { code?: string; message?: string } };
  assert.equal(body.error?.code, code);
  assert.equal(typeof body.error?.message, 'string');
  assert.doesNotMatch(res.body, /\bat [\w.]+ \(|node_modules|SQLITE_|syntax error/i, 'no internals in the body');
}

/** Strings that have broken SQL, shells and templates elsewhere. */
export const INJECTION_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1; UPDATE accounts SET balance = 999999999 --',
  "alice' --",
  "' UNION SELECT password_hash FROM users --",
  '\\x27 OR 1=1',
  '%27%20OR%201=1',
];
