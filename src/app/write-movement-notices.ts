/**
 * Writes the "money received" and "money sent" notices (issue 18 item 2) after commit, from the
 * sealed ledger, instead of inside each movement's transaction (issue 18's cost target: written
 * with the movement, their scattered index entries cost a SQLite transfer 16-26 % of its CPU;
 * docs/performance.md "The outbox and notices on the transfer path").
 *
 * It follows the hash chain (app/seal-chain.ts), which gives every committed ledger transaction one
 * place in commit order on both databases. One round is one database transaction holding the
 * writer's lock (the `notice_cursor` row on PostgreSQL, SQLite's write lock): it reads the next
 * window of sealed positions, writes the notices domain/movement-notices.ts gives for them (and
 * their emails, through the outbox, when SMTP_URL is set), and moves the cursor past the window. A
 * round killed part-way leaves nothing behind; two writers never write one notice twice; a
 * refused movement or an idempotent replay has no ledger transaction, so it notifies nobody.
 *
 * A notice therefore appears within the sealer's delay (CHAIN_SEAL_MAX_DELAY_MS) plus one round of
 * the movement's commit; the server runs a round after each sealing tick (app/chain-sealer.ts).
 */
import { movementNotices, type MovementNotice } from '../domain/movement-notices.js';
import {
  advanceNoticeCursor,
  hasUnnoticed,
  insertMovementNoticeBatch,
  lockNoticeCursor,
  sealedMovements,
  windowEnd,
} from '../storage/repositories/movement-notice-repository.js';
import type { Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { emailNotice } from './notify.js';
import { emailOn } from './outbox.js';
import { followInRounds } from './follow-rounds.js';

/** Chain positions one round covers by default: bounds how long a round holds SQLite's write lock. */
export const NOTICE_WINDOW = 1000;
/** Rounds one call runs back to back before yielding to the next tick. */
const MAX_ROUNDS = 20;

export interface NoticeOutcome {
  /** Notices written by this call. */
  written: number;
  /** True when another writer held the lock, so this one wrote nothing more. */
  busy: boolean;
  /** Time spent on the work itself (the idle check, the rounds inside their transactions), ms (follow-rounds.ts). */
  workMs: number;
}

/**
 * Writes the notices of every sealed movement not yet covered, in rounds of at most `window` chain
 * positions (tests pass a smaller one to cover several rounds). Transactions sealed later are covered by a later call. Throws what the database
 * throws (a lock timeout on SQLite): the caller's next tick tries again, from the same cursor.
 */
export async function writeMovementNotices(ctx: AppContext, window = NOTICE_WINDOW): Promise<NoticeOutcome> {
  const { done, busy, workMs } = await followInRounds(
    ctx.storage,
    () => hasUnnoticed(ctx.storage.db),
    (trx) => noticeRound(ctx, trx, window),
    MAX_ROUNDS,
  );
  return { written: done, busy, workMs };
}

async function noticeRound(ctx: AppContext, trx: Trx, window: number): Promise<{ done: number; more: boolean } | 'busy'> {
  const cursor = await lockNoticeCursor(trx, ctx.storage.dialect);
  if (cursor === 'busy') return 'busy';
  const last = await windowEnd(trx, cursor.position, window);
  if (last === null) return { done: 0, more: false };
  const movements = await sealedMovements(trx, { after: cursor.position, last });
  const notices = inIndexOrder(movements.flatMap(movementNotices)).map((notice) => ({ ...notice, id: ctx.random.orderedUuid() }));
  await insertMovementNoticeBatch(trx, notices);
  if (emailOn(ctx)) await emailAll(ctx, trx, notices);
  await advanceNoticeCursor(trx, last);
  return { done: notices.length, more: last - cursor.position >= BigInt(window) };
}

/**
 * The round's notices grouped by user, each user's in chain order (a stable sort), with ids that grow
 * (UUIDv7): every index of `notifications` ((user_id, seq), the unread (user_id), the id) then takes
 * its new entries in runs instead of one random page each. Measured on a 30,000-row table: 16 us per
 * notice against 29 us in chain order with random ids (docs/performance.md).
 */
function inIndexOrder(notices: MovementNotice[]): MovementNotice[] {
  return notices.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/** Each notice's email, where its user has a confirmed address and wants that kind (notify.ts). */
async function emailAll(ctx: AppContext, trx: Trx, notices: readonly MovementNotice[]): Promise<void> {
  for (const notice of notices) await emailNotice(ctx, trx, notice.userId, notice.kind, notice.text);
}
