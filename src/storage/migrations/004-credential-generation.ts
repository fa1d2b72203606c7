/**
 * Password generations (issue 11 class 1): `users.password_generation` is bumped in the same
 * transaction as every password change, and each web session and API token records the generation
 * its password check was made against. A credential is live only while its generation equals its
 * user's, so a credential whose check raced a password change is dead however the race ended.
 * Existing rows start at 0 on both sides, so every credential alive before this migration stays so.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../storage.js';

export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  for (const table of ['users', 'sessions', 'api_tokens']) {
    await db.schema
      .alterTable(table)
      .addColumn('password_generation', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  }
}
