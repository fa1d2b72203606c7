import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPasswordHasher } from '../../src/services/password-hasher.js';

describe('argon2id hashing with a concurrency limit', () => {
  it('answers every caller correctly when more hashes are asked for than may run at once, failures included', async () => {
    const hasher = await createPasswordHasher({ memoryCostKib: 19_456, timeCost: 2, parallelism: 1, maxConcurrent: 1 });
    const hashed = await hasher.hash('correct horse battery staple');
    const results = await Promise.all([
      hasher.verify(hashed, 'correct horse battery staple'),
      hasher.verify(hashed, 'wrong horse'),
      // A malformed hash fails inside the library; its slot must still be handed on.
      hasher.verify('$argon2id$not-a-hash', 'anything'),
      hasher.verify(undefined, 'no such user'),
      hasher.verify(hashed, 'correct horse battery staple'),
    ]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, false, false, true],
    );
  });
});
