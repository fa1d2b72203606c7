/**
 * Asking for a password reset (issue 18 item 4; contract "Recovery and notifications (round 2)":
 * POST /api/v1/password-reset, and the /forgot-password page).
 *
 * The answer must be the same, in body and in timing, whether or not the account exists, has a
 * confirmed address, or is throttled. So the edge answers at once and the work runs after it, in
 * the background: nothing the work does (a lookup, a write, an email queued) can change how long the
 * answer took. Tests and shutdown wait for it with passwordResetAsksSettled.
 *
 * A link is emailed only to a confirmed address, at most PASSWORD_RESET_PER_ACCOUNT_PER_HOUR times
 * an hour per account (beyond that, silently nothing: no mailbox flood), and issuing one ends every
 * older link of the account. The count, the ending and the insert are serialised per user
 * (lockUserForReset), so parallel asks cannot pass the throttle together.
 */
import { checkEmailAddress } from '../domain/email-address.js';
import { isDomainError } from '../domain/errors.js';
import { usernameOrNull } from '../domain/username.js';
import {
  countEmailedResetsSince,
  endOpenResets,
  findUserIdsByConfirmedEmail,
  insertPasswordReset,
  lockUserForReset,
} from '../storage/repositories/password-reset-repository.js';
import { findUserById, findUserByUsername } from '../storage/repositories/user-repository.js';
import type { AppContext } from './context.js';
import { confirmedAddress, queueResetEmail, resetEmailAvailable } from './password-reset-mail.js';
import { EMAILED_RESET_MINUTES, newResetToken } from './password-reset-token.js';
import { recordSecurityEvent, type ClientInfo } from './security-events.js';

/** What the user typed: their username, or the address they confirmed. */
export type ResetAsk = { username: string } | { email: string };

const HOUR_MS = 3_600_000n;
/** Asks being worked on at once per app; beyond this an ask is dropped (the per-IP limit keeps it rare). */
const MAX_ASKS_IN_FLIGHT = 64;
/** Accounts sharing one confirmed address that get a link (normally one). */
const MAX_ACCOUNTS_PER_ADDRESS = 5;

const inFlight = new WeakMap<AppContext, Set<Promise<void>>>();

/**
 * Starts the work of one ask and returns at once (the caller answers 202 whatever happens).
 * Returns false when the ask was dropped because too many are in flight. `onError` hears a failure
 * of the background work (there is nobody else to tell).
 */
export function askForPasswordReset(ctx: AppContext, ask: ResetAsk, client: ClientInfo, onError: (error: unknown) => void): boolean {
  let asks = inFlight.get(ctx);
  if (!asks) inFlight.set(ctx, (asks = new Set()));
  if (asks.size >= MAX_ASKS_IN_FLIGHT) return false;
  const work: Promise<void> = handleAsk(ctx, ask, client)
    .catch(onError)
    .finally(() => asks.delete(work));
  asks.add(work);
  return true;
}

/** Resolves when every ask started so far has finished (tests; the app waits for it on close). */
export async function passwordResetAsksSettled(ctx: AppContext): Promise<void> {
  for (let asks = inFlight.get(ctx); asks && asks.size > 0; asks = inFlight.get(ctx)) await Promise.allSettled([...asks]);
}

async function handleAsk(ctx: AppContext, ask: ResetAsk, client: ClientInfo): Promise<void> {
  for (const userId of await usersOf(ctx, ask)) await issueEmailedReset(ctx, userId, client);
}

/** The account(s) an ask names; none for a name or address that is not well formed or not known. */
async function usersOf(ctx: AppContext, ask: ResetAsk): Promise<string[]> {
  if ('username' in ask) {
    const username = usernameOrNull(ask.username);
    const user = username === null ? undefined : await findUserByUsername(ctx.storage.db, username);
    return user ? [user.id] : [];
  }
  let address: string;
  try {
    address = checkEmailAddress(ask.email.trim());
  } catch (error) {
    if (isDomainError(error)) return [];
    throw error;
  }
  return findUserIdsByConfirmedEmail(ctx.storage.db, address, MAX_ACCOUNTS_PER_ADDRESS);
}

/** Issues and emails one link to `userId` when it has a confirmed address and is under the throttle. */
async function issueEmailedReset(ctx: AppContext, userId: string, client: ClientInfo): Promise<void> {
  const fresh = newResetToken(ctx);
  await ctx.storage.writeTransaction(async (trx) => {
    await lockUserForReset(trx, ctx.storage.dialect, userId);
    const nowMs = BigInt(ctx.clock.nowMs());
    const user = await findUserById(trx, userId);
    if (!user) return;
    const address = resetEmailAvailable(ctx) ? await confirmedAddress(trx, userId) : null;
    if (address === null) {
      const why = resetEmailAvailable(ctx) ? 'no_confirmed_email' : 'email_off';
      await recordSecurityEvent(ctx, { type: 'password_reset_requested', userId, client, details: { emailed: false, why } }, trx);
      return;
    }
    // The silent per-account throttle: no event either, so a flood cannot fill the timeline.
    if ((await countEmailedResetsSince(trx, userId, nowMs - HOUR_MS)) >= ctx.config.passwordResetPerAccountPerHour) return;
    await endOpenResets(trx, userId, nowMs);
    await insertPasswordReset(trx, {
      tokenHash: fresh.tokenHash,
      userId,
      issuedBy: 'email',
      passwordGeneration: BigInt(user.password_generation),
      email: address,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + BigInt(EMAILED_RESET_MINUTES * 60_000),
    });
    await queueResetEmail(ctx, trx, { to: address, username: user.username, link: fresh.link, minutes: EMAILED_RESET_MINUTES });
    await recordSecurityEvent(ctx, { type: 'password_reset_requested', userId, client, details: { emailed: true } }, trx);
  });
}
