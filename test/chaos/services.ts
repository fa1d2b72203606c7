/**
 * Whether the optional services answer: PostgreSQL through test/helpers/postgres.ts, Redis here.
 * Like PostgreSQL, a missing Redis is a loud skip locally and a failure under CI.
 */
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL } from './cross-instance.js';

const isCi = ['1', 'true'].includes(String(process.env.CI).toLowerCase());

export async function redisAvailable(url = DEFAULT_REDIS_URL): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (error) {
    if (isCi) throw new Error(`CI is set but Redis at ${url} is unreachable: ${(error as Error).message}`);
    console.warn(`\n*** SKIPPING the cross-instance checks that need Redis: no server at ${url} (${(error as Error).message}) ***\n`);
    return false;
  } finally {
    redis.disconnect();
  }
}
