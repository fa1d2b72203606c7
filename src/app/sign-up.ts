import { DomainError } from '../domain/errors.js';
import { parseNewUsername } from '../domain/username.js';
import { FIRST_PASSWORD_GENERATION, findUserByUsername, insertUser } from '../storage/repositories/user-repository.js';
import { isUniqueViolation } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { openAccount } from './open-account.js';
import { checkPassword } from './password-policy.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo } from './security-events.js';
import { accountView, userView, type AccountView, type UserView } from './views.js';

const MAX_ATTEMPTS = 4;

/**
 * Creates the user and their first account in one transaction. The unique index on the lower-cased
 * username decides races: of twenty simultaneous sign-ups for one name exactly one wins, and an
 * existing user is never overwritten.
 */
export async function signUp(
  ctx: AppContext,
  input: { username: string; password: string },
  client: ClientInfo = UNKNOWN_CLIENT,
): Promise<{ user: UserView; account: AccountView }> {
  // New names must contain a letter (issue 11 class 3); existing all-digit names still sign in.
  const username = parseNewUsername(input.username);
  await checkPassword(input.password, username);
  const passwordHash = await ctx.passwords.hash(input.password);
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.storage.writeTransaction(async (trx) => {
        if (await findUserByUsername(trx, username)) throw takenError();
        const user = {
          id: ctx.random.uuid(),
          username,
          password_hash: passwordHash,
          created_at: nowMsBig(ctx),
          password_generation: FIRST_PASSWORD_GENERATION,
        };
        await insertUser(trx, user);
        const account = await openAccount(ctx, trx, { userId: user.id, currency: ctx.config.currency });
        await recordSecurityEvent(ctx, { type: 'signed_up', userId: user.id, client }, trx);
        return { user: userView(user), account: accountView(account) };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Either the username was taken by a concurrent sign-up, or (astronomically rarely) the random
      // account number collided; only the second is worth another try.
      if (await findUserByUsername(ctx.storage.db, username)) throw takenError();
      if (attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

const takenError = () => new DomainError('username_taken', 'That username is already taken.', 'username');
