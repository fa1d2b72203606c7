/**
 * The system randomness (services/system-randomness.ts): `orderedUuid` gives RFC 9562 version-7
 * UUIDs that sort in the order they were made, which is what lets the notice writer append to the
 * notifications id index (app/write-movement-notices.ts); `uuid` stays version 4.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemRandomness } from '../../src/services/system-randomness.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('system randomness', () => {
  it('orderedUuid: version 7, each later one sorts after the one before, none repeated', () => {
    const ids = Array.from({ length: 5000 }, () => systemRandomness.orderedUuid());
    for (const id of ids) assert.match(id, V7);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} then ${ids[i]}`);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('uuid: version 4 (random, unordered)', () => {
    assert.match(systemRandomness.uuid(), V4);
  });
});
