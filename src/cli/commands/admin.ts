/**
 * `minibank admin grant|revoke <username> <role>` (issue 15 item 1): staff roles from the server's
 * command line, the only way to make the first admin (after that, admins also grant and revoke in
 * the console, never to themselves). Roles: support, admin. The change applies at once to the
 * user's existing sessions and tokens, and the user's own timeline records it.
 */
import type { AppContext } from '../../app/context.js';
import { changeRole } from '../../app/manage-roles.js';
import { DomainError } from '../../domain/errors.js';
import { parseStaffRole } from '../../domain/roles.js';
import { systemClock } from '../../services/system-clock.js';
import { migrateToLatest } from '../../storage/migrate.js';
import { CommandFailed, EXIT_OK, parseCommandArgs, UsageError, withStorage, type Command } from '../command.js';

export const admin: Command = {
  name: 'admin',
  summary: 'grant or revoke a staff role (support, admin)',
  help: `Usage: minibank admin grant <username> <role>
       minibank admin revoke <username> <role>

Roles: support (find customers, look at accounts, freeze, unfreeze, sign out) and admin (all of
that, plus reversals, approvals and granting roles in the console). Every user is a customer.
This is the only way to make the first admin. Staff must turn on a second factor (an
authenticator app or a passkey) before any staff page or API route lets them in.

Exit codes: 0 done (or nothing to do: the role was already held, or not held), 1 no such user,
2 bad usage (an unknown action or role, a missing or extra argument).`,
  async run(args, loadConfig) {
    const { positionals } = parseCommandArgs(args, {}, { min: 3, max: 3, names: 'grant|revoke, a username and a role' });
    const [action, username, role] = positionals as [string, string, string];
    if (action !== 'grant' && action !== 'revoke') throw new UsageError(`unknown action "${action}"`);
    // A role that does not exist is a typing mistake (exit 2 with the help), found before any storage opens.
    if (!parseStaffRole(role)) throw new UsageError(`unknown role "${role}": support or admin (every user is a customer)`);
    const config = loadConfig();
    return withStorage(config, async (storage) => {
      await migrateToLatest(storage);
      // changeRole writes through storage and records audit events, which read only the clock,
      // the storage, the config and (absent here) the security observers.
      const ctx = { config, storage, clock: systemClock } as unknown as AppContext;
      try {
        const result = await changeRole(ctx, { username, role, by: null }, action === 'grant');
        const done = action === 'grant' ? `granted ${result.role} to ${username}` : `revoked ${result.role} from ${username}`;
        console.log(result.changed ? done : `nothing to do: ${username} ${action === 'grant' ? 'already has' : 'does not have'} ${result.role}`);
        return EXIT_OK;
      } catch (error) {
        if (error instanceof DomainError) throw new CommandFailed(error.message);
        throw error;
      }
    });
  },
};
