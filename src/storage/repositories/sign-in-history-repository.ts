/**
 * Whether a user signed in before from this IP address and user agent (issue 18 item 6): read from
 * the audit trail's `login_succeeded` events (security_events, migration 003), scanned through the
 * index on (user_id, seq). Prepared once: it runs on every API sign-in.
 */
import { sql } from 'kysely';
import { preparedQuery } from '../prepared-query.js';
import type { Db, Trx } from '../storage.js';

const earlierSignIn = preparedQuery<{ userId: string; ip: string; userAgent: string }, { found: number }>((db, p) =>
  db
    .selectFrom('security_events')
    .select(sql<number>`1`.as('found'))
    .where('user_id', '=', p('userId'))
    .where('type', '=', 'login_succeeded')
    // A missing address or agent is stored as NULL; '' stands for it on both sides.
    .where(sql`coalesce(ip, '')`, '=', p('ip'))
    .where(sql`coalesce(user_agent, '')`, '=', p('userAgent'))
    .limit(1),
);

/** True when `userId` has a recorded successful sign-in from exactly this `ip` and `userAgent` (as stored: '' for none). */
export async function signedInBeforeFrom(db: Db | Trx, userId: string, ip: string, userAgent: string): Promise<boolean> {
  return (await earlierSignIn.first(db, { userId, ip, userAgent })) !== undefined;
}
