/**
 * Builds the Fastify application (without listening): the composition root that wires storage,
 * use cases and plugins together. Tests call it with their own config, clock and fault hooks.
 */
import { createSecretBox } from '../services/secret-box.js';
import crypto from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext, Clock, FaultHooks, Randomness } from '../app/context.js';
import { createKnownDevices } from '../services/known-device.js';
import { createPasswordHasher } from '../services/password-hasher.js';
import type { SecurityServices } from '../app/security-services.js';
import { schedulePurge } from '../app/purge-expired.js';
import { scheduleHoldSweep } from '../app/settle-expired-holds.js';
import { systemRandomness } from '../services/system-randomness.js';
import { createTokenSigner } from '../services/token-signer.js';
import { memoryFailureCounter, redisFailureCounter } from '../services/failure-counters.js';
import { systemClock } from '../services/system-clock.js';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { resolveSecret } from '../secret-file.js';
import { migrateToLatest } from '../storage/migrate.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { openAccessLogSink } from './access-log-sink.js';
import { fastifyTrustProxy } from './client-info.js';
import { parseJsonBody } from './json-body.js';
import { Metrics } from './metrics.js';
import { slowClientLimits } from './slow-clients.js';
import { handleClientError } from './client-errors.js';
import accessLogPlugin from './plugins/access-log.js';
import errorsPlugin, { sendError } from './plugins/errors.js';
import rateLimitPlugin from './plugins/rate-limit.js';
import securityAuditPlugin from './plugins/security-audit.js';
import securityHeadersPlugin, { applySecurityHeaders } from './plugins/security-headers.js';
import type { Redis } from 'ioredis';
import { openRedis } from '../services/redis.js';
import healthPlugin from './plugins/health.js';
import metricsPlugin, { metricsRoute } from './plugins/metrics.js';
import requestObserversPlugin from './plugins/request-observers.js';
import apiRoutes from './routes/api/index.js';
import openapiPlugin from './plugins/openapi.js';
import htmlErrorsPlugin from './plugins/html-errors.js';
import wellFormedInputPlugin from './plugins/well-formed-input.js';
import { addMethodNotAllowedRoutes, collectRouteMethods } from './plugins/method-not-allowed.js';
import pageRoutes from './routes/pages/index.js';
import statementKeyRoute from './routes/well-known/statement-key.js';
import { recordRoutes } from './route-needs.js';
import staffAccessPlugin from './plugins/staff-access.js';
import { wireOutbox } from './outbox-wiring.js';
import { startMovementWorker, type MovementWorkerWiring } from './movement-worker-wiring.js';
import type { MovementCommitter } from '../app/movement-committer.js';

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}

export interface BuildOptions {
  config: Config;
  clock?: Clock;
  random?: Randomness;
  faults?: FaultHooks;
  /** An already open storage (tests share one database between app instances). */
  storage?: Storage;
  /** A pino logger; tests leave it out for silence. */
  logger?: FastifyBaseLogger;
}

export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config } = options;
  const storage = options.storage ?? openStorage(config);
  await migrateToLatest(storage);
  const secret = resolveSecret(config);
  // Shared counters for several instances when REDIS_URL is set; memory otherwise.
  const redis = config.redisUrl && config.rateLimits ? await openRedis(config.redisUrl) : null;
  // SQLite: money movements commit in a worker thread (issue 17 item 3), when on.
  const worker = startMovementWorker(options, storage, () => app.log);
  const { ctx, metrics } = await createContext(options, worker?.storage ?? storage, secret, redis, worker?.movements);
  const app = createFastify(options);
  app.decorate('ctx', ctx);
  // Every route is noted from here on; the 405 answers for the methods a path lacks are added last.
  const routeMethods = collectRouteMethods(app);
  // ...and kept with its declared needs (auth, CSRF, limit) for the route-needs test.
  recordRoutes(app);
  addLifecycle(app, ctx, options.storage ? null : storage, worker);
  // Emails and webhooks from the outbox (issue 18), when either is configured.
  wireOutbox(app);
  acceptJsonAsBytes(app);
  await registerObservability(app, config, metrics);
  await registerProtection(app, redis);
  await registerRoutes(app);
  addMethodNotAllowedRoutes(app, routeMethods);
  return app;
}

/** The use cases' context (storage, clock, passwords, tokens, security services) and the metrics that observe it. */
async function createContext(
  options: BuildOptions,
  storage: Storage,
  secret: string,
  redis: Redis | null,
  movements: MovementCommitter | undefined,
): Promise<{ ctx: AppContext; metrics: Metrics }> {
  const { config } = options;
  const security: SecurityServices = {
    throttle: config.rateLimits
      ? {
          policy: { freeFailures: config.loginFreeFailures, maxLockMs: config.loginMaxLockSeconds * 1000 },
          counter: redis ? redisFailureCounter(redis) : memoryFailureCounter(),
        }
      : null,
    devices: createKnownDevices({ secret, previousSecrets: config.secretPrevious, issuer: config.tokenIssuer }),
    observers: [],
  };
  const clock = options.clock ?? systemClock;
  const metrics = new Metrics({ storage, clock, sessionIdleMinutes: config.sessionIdleMinutes });
  const ctx: AppContext = {
    config,
    storage,
    clock,
    observer: metrics.observer,
    random: options.random ?? systemRandomness,
    faults: options.faults ?? {},
    passwords: await createPasswordHasher({
      memoryCostKib: config.argon2MemoryKib,
      timeCost: config.argon2Iterations,
      parallelism: config.argon2Parallelism,
      maxConcurrent: config.argon2MaxConcurrent,
    }),
    tokens: createTokenSigner({
      secret,
      previousSecrets: [...config.secretPrevious],
      issuer: config.tokenIssuer,
      audience: config.tokenAudience,
      ttlSeconds: config.tokenTtlSeconds,
    }),
    security,
    inFlightKeys: new Set(),
    ...(movements ? { movements } : {}),
    secrets: createSecretBox({ secret, previousSecrets: config.secretPrevious }),
  };
  return { ctx, metrics };
}

/** The Fastify instance with its server options: logger, limits, ids, client errors, proxies. */
function createFastify(options: BuildOptions): FastifyInstance {
  const { config } = options;
  return Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: config.bodyLimitBytes,
    // Headers, body and idle keep-alive each have a time limit: a slow client gets 408 and is closed.
    ...slowClientLimits(config),
    // ...and that 408 (like a 400 for bytes that are not HTTP) is the contract's error, with our headers.
    clientErrorHandler: handleClientError,
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    // A URL Fastify cannot even decode (bad percent-encoding) gets the contract's error shape too.
    // It is answered before routing, where no onSend hook runs: the security headers are added here.
    frameworkErrors: (_error, request, reply) => {
      applySecurityHeaders(request, reply, null, () => undefined);
      void sendError(request, reply, new DomainError('invalid_request', 'The URL is not valid.'));
    },
    // Only the configured proxies may set the client address (X-Forwarded-For): access log, rate limits, audit.
    trustProxy: fastifyTrustProxy(config.trustProxy),
    // plugins/request-observers.ts writes one line per request instead, without headers.
    logController: new LogController({ disableRequestLogging: true }),
    // plugins/health.ts refuses requests while draining, with the contract's 503 (and a log line).
    return503OnClosing: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
}

/** The request id header on every reply, the purge of expired keys and tokens, and what closing ends. */
function addLifecycle(app: FastifyInstance, ctx: AppContext, ownedStorage: Storage | null, worker: MovementWorkerWiring | null): void {
  app.decorateRequest('principal', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const stopPurge = schedulePurge(ctx, (error) => app.log.warn({ err: error }, 'purge of expired keys and tokens failed'));
  const stopHoldSweep = scheduleHoldSweep(ctx, (error) => app.log.warn({ err: error }, 'sweep of expired holds failed'));
  app.addHook('onClose', async () => {
    await stopHoldSweep();
    await stopPurge();
    // The worker finishes the movements it was sent before the connections close.
    await worker?.close();
    if (ownedStorage) await ownedStorage.close();
  });
}

/** JSON bodies are parsed from bytes (json-body.ts); a body that is not JSON is a 400. */
function acceptJsonAsBytes(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  // As bytes, so a body that is not UTF-8 is refused rather than silently decoded to U+FFFD.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}

/** Observability first, so its hooks see every route, 404s and errors included; then error shapes, input checks, health and metrics. */
async function registerObservability(app: FastifyInstance, config: Config, metrics: Metrics): Promise<void> {
  await app.register(accessLogPlugin, { sink: openAccessLogSink(config, (error) => app.log.error({ err: error }, 'access log write failed')) });
  await app.register(metricsPlugin, { metrics });
  await app.register(requestObserversPlugin);
  await app.register(errorsPlugin);
  await app.register(wellFormedInputPlugin);
  await app.register(healthPlugin);
  await app.register(metricsRoute);
}

/** Headers first (their onSend hook covers every reply, 429s included); limits before any route. */
async function registerProtection(app: FastifyInstance, redis: Redis | null): Promise<void> {
  await app.register(securityHeadersPlugin);
  await app.register(rateLimitPlugin, { redis });
  await app.register(securityAuditPlugin);
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
}

/** The API under /api/v1 with its OpenAPI document, then the web pages. */
async function registerRoutes(app: FastifyInstance): Promise<void> {
  // Before any route: a route that says `staff` gets the staff check (issue 15, route-needs.ts).
  await app.register(staffAccessPlugin);
  // Before the API routes: it notes each one as it is registered (GET /api/v1/openapi.json, /docs/api).
  await app.register(openapiPlugin);
  await app.register(apiRoutes, { prefix: '/api/v1' });
  // The public statement keys (JWK Set), outside the API's prefix as RFC 8615 places them.
  await app.register(statementKeyRoute);
  // The web pages: own scope (cookies, sessions, CSRF, form bodies never reach /api); HTML error pages.
  await app.register(htmlErrorsPlugin);
  await app.register(pageRoutes);
}
