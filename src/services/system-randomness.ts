import crypto from 'node:crypto';
import { v7 as uuidV7 } from 'uuid';
import type { Randomness } from '../app/context.js';

export const systemRandomness: Randomness = {
  uuid: () => crypto.randomUUID(),
  orderedUuid: () => uuidV7(),
  digits(count) {
    let out = '';
    for (let i = 0; i < count; i++) out += crypto.randomInt(10).toString();
    return out;
  },
  bytes: (count) => crypto.randomBytes(count),
};
