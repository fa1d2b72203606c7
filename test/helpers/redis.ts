/**
 * Redis for tests, like PostgreSQL in postgres.ts: a missing server is a loud skip locally and a
 * failure under CI=true.
 */
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const isCi = ['1', 'true'].includes(String(process.env.CI).toLowerCase());

export async function redisAvailable(url = TEST_REDIS_URL, what = 'the tests that need Redis'): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, enableOfflineQueue: false });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch (error) {
    if (isCi) throw new Error(`CI is set but Redis at ${url} is unreachable: ${(error as Error).message}`);
    console.warn(`\n*** SKIPPING ${what}: no server at ${url} (${(error as Error).message}) ***\n`);
    return false;
  } finally {
    redis.disconnect();
  }
}
