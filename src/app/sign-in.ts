import { DomainError, RateLimitedError } from '../domain/errors.js';
import { usernameOrNull } from '../domain/username.js';
import { currentPasswordGeneration, findUserByUsername, rehashPassword } from '../storage/repositories/user-repository.js';
import { insertToken } from '../storage/repositories/token-repository.js';
import { signedInBeforeFrom } from '../storage/repositories/sign-in-history-repository.js';
import type { AppContext } from './context.js';
import { deviceKey, FAILURE_MEMORY_MS, usernameKey } from './login-throttle.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo, type SecurityEventInput } from './security-events.js';
import type { User } from '../storage/repositories/user-repository.js';
import type { Trx } from '../storage/storage.js';
import { acceptSecondFactorCode } from './second-factor-code.js';
import { hasSecondFactor, secondFactorStatus } from './second-factor-status.js';

export const BAD_CREDENTIALS_MESSAGE = 'Username or password is incorrect.';

/** What the HTTP layer knows about a sign-in attempt. */
export interface LoginAttempt {
  client: ClientInfo;
  /** The browser's known-device token (pages only): lets the owner past a lock others caused. */
  deviceToken?: string | null;
  /** Record login_succeeded/login_failed audit events (a login); off when re-checking a password. */
  audit?: boolean;
}

/**
 * Checks a username and password. An unknown username costs the same argon2id verification as a
 * wrong password and produces the same error, so neither the answer nor its timing says which.
 * Repeated failures on one typed username (existing or not) must wait before the next try
 * (login-throttle.ts): 429 `rate_limited` with Retry-After, again the same for any username.
 *
 * The returned row carries the `password_generation` the password was checked against: a credential
 * made from this check must be issued against it (issuedAgainstGeneration), never the current one.
 */
export async function checkCredentials(
  ctx: AppContext,
  input: { username: string; password: string },
  attempt: LoginAttempt = { client: UNKNOWN_CLIENT, audit: false },
): Promise<User> {
  const { user, succeeded, throttleKey } = await verifyCredentials(ctx, input, attempt);
  await clearThrottle(ctx, throttleKey);
  if (succeeded) await recordSecurityEvent(ctx, succeeded);
  return user;
}

/**
 * checkCredentials without writing the login_succeeded event, which it returns (when auditing) for
 * the caller to write in its own transaction: a token login then pays one commit, not two (on
 * SQLite each is an fsync on the event loop, during which finished argon2 hashes wait to be
 * collected and the next ones to be started). Failures are recorded here, as before.
 */
async function verifyCredentials(
  ctx: AppContext,
  input: { username: string; password: string },
  attempt: LoginAttempt,
): Promise<{ user: User; succeeded: SecurityEventInput | null; throttleKey: string }> {
  const username = input.username.trim().toLowerCase();
  const nowMs = ctx.clock.nowMs();
  const throttle = ctx.security?.throttle ?? null;
  // Only a well-formed username can exist; anything else (a NUL byte, which PostgreSQL refuses in a
  // query, would be a 500) is not looked up, and still costs the dummy-hash verification below.
  const known = usernameOrNull(input.username) !== null;
  // The hash and its password generation come from this one read (issue 11 class 1).
  const user = known ? await findUserByUsername(ctx.storage.db, username) : undefined;
  // Charged to the browser's own counter when it proves it signed in as this user before.
  const deviceId = attempt.deviceToken && ctx.security && known ? await ctx.security.devices.verify(attempt.deviceToken, username, nowMs) : null;
  const key = deviceId ? deviceKey(deviceId) : usernameKey(username.slice(0, 64));
  if (throttle) {
    // Counted before the slow hash, atomically with the wait check (issue 11 class 2).
    const waitMs = await throttle.counter.reserve(key, nowMs, FAILURE_MEMORY_MS, throttle.policy);
    if (waitMs > 0) {
      await recordSecurityEvent(ctx, {
        type: 'login_throttled',
        userId: user?.id ?? null,
        client: attempt.client,
        details: { retry_after_seconds: Math.ceil(waitMs / 1000) },
      });
      throw new RateLimitedError(waitMs / 1000, 'Too many failed sign-in attempts for this username. Wait a moment and try again.');
    }
  }
  const check = await ctx.passwords.verify(user?.password_hash, input.password);
  // Only sign-ins count as logins in the metrics; a password re-check (changing it) does not.
  if (attempt.audit) ctx.observer?.signIn(user && check.ok ? 'success' : 'failure');
  if (!user || !check.ok) {
    // Already counted by the reservation above.
    if (attempt.audit)
      await recordSecurityEvent(ctx, {
        type: 'login_failed',
        userId: user?.id ?? null,
        client: attempt.client,
        details: deviceId ? { known_device: true } : undefined,
      });
    throw new DomainError('unauthenticated', BAD_CREDENTIALS_MESSAGE);
  }
  // The attempt stays counted until the caller clears it: with a second factor on, only the right
  // code makes it a success (a wrong code then counts like a wrong password, issue 13).
  if (check.rehash || ctx.passwords.needsRehash(user.password_hash)) {
    // Only while the password is still the one just checked: a racing change must not be undone.
    await rehashPassword(ctx.storage.db, user.id, BigInt(user.password_generation), await ctx.passwords.hash(input.password));
  }
  const succeeded: SecurityEventInput | null = attempt.audit
    ? { type: 'login_succeeded', userId: user.id, client: attempt.client, details: deviceId ? { known_device: true } : undefined }
    : null;
  return { user, succeeded, throttleKey: key };
}

/** After a complete sign-in (password, and code when one is on): the throttle key starts again from zero. */
export async function clearThrottle(ctx: AppContext, throttleKey: string): Promise<void> {
  await ctx.security?.throttle?.counter.clear(throttleKey);
}

/**
 * The password step of a sign-in for callers that handle the second factor themselves (the web's
 * two-page sign-in): the user, the login_succeeded event to write once the sign-in completes, and
 * the throttle key whose attempt stays counted until then.
 */
export async function checkPassword(
  ctx: AppContext,
  input: { username: string; password: string },
  attempt: LoginAttempt,
): Promise<{ user: User; succeeded: SecurityEventInput | null; throttleKey: string }> {
  return verifyCredentials(ctx, input, attempt);
}

/**
 * The rule of issue 11 class 1, checked inside the transaction that stores a new credential (token
 * or session): it may only be issued against the password generation its password check read. If a
 * password change committed in between, the sign-in fails like a wrong password (401, same message).
 * A change that commits after this check is caught at use instead: sessions and tokens of an older
 * generation are never live (session-repository, token-repository). Returns the generation.
 */
export async function issuedAgainstGeneration(trx: Trx, userId: string, checkedGeneration: bigint): Promise<bigint> {
  const current = await currentPasswordGeneration(trx, userId);
  if (current === undefined || current !== BigInt(checkedGeneration)) throw new DomainError('unauthenticated', BAD_CREDENTIALS_MESSAGE);
  return current;
}

export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
  userId: string;
}

/**
 * With a second factor on, a sign-in needs a code too (contract "Second factor"): none is 401
 * `mfa_required` (only ever reached after a right password); a wrong or used one is 401
 * `unauthenticated` with the wrong-password message, and its attempt stays counted by the login
 * throttle (reserved before the password was checked, so 40 at once are throttled like passwords).
 */
async function requireSignInCode(ctx: AppContext, userId: string, otp: string | undefined, client: ClientInfo): Promise<void> {
  const status = await secondFactorStatus(ctx, ctx.storage.db, userId);
  if (!hasSecondFactor(status)) return;
  // A passkey-only user (issue 13 item 4): a passkey cannot be used here, so the password alone is
  // still refused (contract: a second factor is on) and the API needs TOTP (docs/api.md).
  if (!status.totp && (otp === undefined || otp.trim() === ''))
    throw new DomainError(
      'mfa_required',
      'This account signs in with a passkey, which the API cannot use: turn on an authenticator app in Settings to use the API.',
    );
  if (otp === undefined || otp.trim() === '')
    throw new DomainError('mfa_required', 'This account has a second factor: send `otp`, a code from the authenticator app or a recovery code.');
  const proof = await acceptSecondFactorCode(ctx, ctx.storage.db, { userId, code: otp, allowRecovery: true, purpose: 'sign_in', client });
  if (proof === null) throw new DomainError('unauthenticated', BAD_CREDENTIALS_MESSAGE);
}

/**
 * Signs in and issues a short-lived API token, recorded server-side so it can be revoked, and bound
 * to the password generation its check read (issue 11 class 1): 401 when the password changed meanwhile.
 */
export async function issueToken(
  ctx: AppContext,
  input: { username: string; password: string; otp?: string | undefined },
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<IssuedToken> {
  const { user, succeeded, throttleKey } = await verifyCredentials(ctx, input, { client, audit: true });
  await requireSignInCode(ctx, user.id, input.otp, client);
  await clearThrottle(ctx, throttleKey);
  const nowMs = ctx.clock.nowMs();
  const jti = ctx.random.uuid();
  const accessToken = await ctx.tokens.sign({ userId: user.id, jti, nowMs });
  // One write transaction for the login's event, the token and its event: on SQLite it joins the
  // group commit instead of separate fsyncs that each stall the event loop during a login rush.
  await ctx.storage.writeTransaction(async (trx) => {
    const passwordGeneration = await issuedAgainstGeneration(trx, user.id, BigInt(user.password_generation));
    if (succeeded) await recordSecurityEvent(ctx, await markKnownApiClient(trx, succeeded), trx);
    await insertToken(trx, { jti, userId: user.id, createdAtMs: BigInt(nowMs), expiresAtMs: BigInt(nowMs + ctx.tokens.ttlSeconds * 1000), passwordGeneration });
    await recordSecurityEvent(ctx, { type: 'token_issued', userId: user.id, client, details: { expires_in_seconds: ctx.tokens.ttlSeconds } }, trx);
  });
  return { accessToken, expiresInSeconds: ctx.tokens.ttlSeconds, userId: user.id };
}

/**
 * An API client has no known-browser cookie, so its sign-in counts as "new" (and notifies the user,
 * notification-kinds.ts securityNotice) only when the user never signed in before from this IP
 * address and user agent (issue 18 item 6; docs/api.md). Compared as security-events.ts stores them.
 */
async function markKnownApiClient(trx: Trx, event: SecurityEventInput): Promise<SecurityEventInput> {
  if (event.userId === null) return event;
  const ip = event.client.ip?.slice(0, 64) ?? '';
  const agent = event.client.userAgent?.slice(0, 256) ?? '';
  if (!(await signedInBeforeFrom(trx, event.userId, ip, agent))) return event;
  return { ...event, details: { ...event.details, known_client: true } };
}

/**
 * After a successful page login: a known-device token for this browser (a cookie), so later
 * throttling of the username does not lock this browser out. Null when the app has no devices.
 */
export async function issueDeviceToken(ctx: AppContext, username: string): Promise<string | null> {
  if (!ctx.security) return null;
  return ctx.security.devices.issue(username.trim().toLowerCase(), ctx.random.uuid(), ctx.clock.nowMs());
}
