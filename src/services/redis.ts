/**
 * The Redis connection for counters every instance must share (rate limits, login throttle), only
 * when REDIS_URL is set. Connected before the app starts serving, so a wrong URL fails loudly at
 * start; later outages are bounded by short timeouts instead of hanging requests.
 */
import { Redis } from 'ioredis';

export async function openRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash the process.
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}
