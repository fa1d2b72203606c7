/**
 * Versioned migrations, applied in name order at start and by `minibank migrate`. A migration is
 * never edited once released: add a new file instead.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../storage.js';
import * as initial from './001-initial.js';
import * as sessions from './002-sessions.js';
import * as securityEvents from './003-security-events.js';
import * as credentialGeneration from './004-credential-generation.js';
import * as auditNoise from './005-audit-noise.js';
import * as userTimeZone from './006-user-time-zone.js';
import * as ledgerChain from './012-ledger-chain.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

const all: Record<string, DialectMigration> = {
  '001-initial': initial,
  '002-sessions': sessions,
  '003-security-events': securityEvents,
  '004-credential-generation': credentialGeneration,
  '005-audit-noise': auditNoise,
  '006-user-time-zone': userTimeZone,
  '012-ledger-chain': ledgerChain,
};

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(Object.entries(all).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, dialect) }]));
}
