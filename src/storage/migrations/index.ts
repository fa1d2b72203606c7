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
import * as secondFactor from './007-second-factor.js';
import * as passkeys from './008-passkeys.js';
import * as accounts from './009-accounts.js';
import * as holds from './010-holds.js';
import * as paymentRequests from './011-payment-requests.js';
import * as ledgerChain from './012-ledger-chain.js';
import * as staffRoles from './015-staff-roles.js';
import * as reversals from './016-reversals.js';
import * as outbox from './017-outbox.js';
import * as passwordReset from './018-password-reset.js';
import * as transferBatch from './019-transfer-batch.js';
import * as noticesAfterCommit from './020-notices-after-commit.js';
import * as sealInDatabase from './021-seal-in-database.js';
import * as sealRoundLeaner from './022-seal-round-leaner.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

const all: Record<string, DialectMigration> = {
  '001-initial': initial,
  '002-sessions': sessions,
  '003-security-events': securityEvents,
  '004-credential-generation': credentialGeneration,
  '005-audit-noise': auditNoise,
  '006-user-time-zone': userTimeZone,
  '007-second-factor': secondFactor,
  '008-passkeys': passkeys,
  '009-accounts': accounts,
  '010-holds': holds,
  '011-payment-requests': paymentRequests,
  '012-ledger-chain': ledgerChain,
  '015-staff-roles': staffRoles,
  '016-reversals': reversals,
  '017-outbox': outbox,
  '018-password-reset': passwordReset,
  '019-transfer-batch': transferBatch,
  '020-notices-after-commit': noticesAfterCommit,
  '021-seal-in-database': sealInDatabase,
  '022-seal-round-leaner': sealRoundLeaner,
};

export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return Object.fromEntries(Object.entries(all).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, dialect) }]));
}
