/**
 * Whether the optional services answer: PostgreSQL through test/helpers/postgres.ts, Redis through
 * test/helpers/redis.ts (a loud skip locally, a failure under CI).
 */
import { redisAvailable as redisAnswers } from '../helpers/redis.js';
import { DEFAULT_REDIS_URL } from './cross-instance.js';

export const redisAvailable = (url = DEFAULT_REDIS_URL) => redisAnswers(url, 'the cross-instance checks that need Redis');
