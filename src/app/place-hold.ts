/**
 * Placing a hold (issue 14 item 2; contract "Holds (round 2)"): the payer reserves `amount` of
 * their available balance for a payee. No entries are written: the reserve is one conditional
 * increment of the payer's `held` (hold-repository `reserveHeld`), decided on the newest row, so 50
 * holds racing for a balance that covers 10 reserve exactly 10 on both databases. Idempotent with a
 * key exactly as transfers are (idempotency.ts).
 */
import { recordHoldChange } from './change-events.js';
import { isDomainError } from '../domain/errors.js';
import { holdExpiresAtMs } from '../domain/hold-rules.js';
import { approves, factsOf, refusalOf, sameAccount } from '../domain/movement-rules.js';
import { findAccountById } from '../storage/repositories/account-repository.js';
import { findHoldWithParties, insertHold, lockHoldParties, reserveHeld } from '../storage/repositories/hold-repository.js';
import type { Trx } from '../storage/storage.js';
import { nowMsBig, type AppContext } from './context.js';
import { holdOutcomeCodec, type HoldOutcome, type PlacedOutcome } from './hold-outcome.js';
import { holdView } from './hold-views.js';
import { runIdempotent, type IdempotentResult, type NamespacedKey } from './idempotency.js';
import { resolvePayee } from './move-money.js';
import { refusedBy } from './movement-outcome.js';
import { findOwnedAccount } from './owned-account.js';
import { settleDueHoldsOf } from './settle-expired-holds.js';
import { accountView } from './views.js';

export interface PlaceHoldRequest {
  fromAccountId: string;
  /** The payee: an account number or a username (payee.ts). */
  to: string;
  /** Minor units, already checked by checkAmountMinor. */
  amountMinor: bigint;
  memo: string | null;
  /** Seconds until it expires, 60..2592000; undefined: 604800. */
  expiresInS?: number;
}

/**
 * Places a hold, in one write transaction; with `idempotency`, once per key (a retry replays).
 * Returns the typed outcome: placed (the hold and the payer's account after it) or refused.
 * @throws DomainError idempotency_conflict; any fault that is not a business refusal.
 */
export async function placeHold(
  ctx: AppContext,
  actorUserId: string,
  request: PlaceHoldRequest,
  idempotency: { key: NamespacedKey; requestHash: string } | undefined,
): Promise<IdempotentResult<HoldOutcome>> {
  const work = (trx: Trx) => reserve(ctx, trx, actorUserId, request);
  if (idempotency) return runIdempotent(ctx, { userId: actorUserId, ...idempotency }, work, holdOutcomeCodec);
  try {
    return { outcome: await ctx.storage.writeTransaction(work), replayed: false };
  } catch (error) {
    if (!isDomainError(error)) throw error;
    return { outcome: refusedBy(error), replayed: false };
  }
}

/**
 * The reserve inside the caller's transaction: the payer's account (theirs, else not_found), the
 * payee (resolvePayee's rule), both rows locked and read again (hold-repository `lockHoldParties`:
 * placing a hold and closing the payee's account exclude each other), the movement rules (frozen or closed, currency, bound, available
 * funds: a capture will be an ordinary transfer, so a hold promises only what one could move),
 * then the conditional increment and the hold row.
 * @throws DomainError not_found, invalid_request, same_account, movement-rules' refusals.
 */
async function reserve(ctx: AppContext, trx: Trx, actorUserId: string, request: PlaceHoldRequest): Promise<PlacedOutcome> {
  const nowMs = nowMsBig(ctx);
  const expiresAtMs = holdExpiresAtMs(nowMs, request.expiresInS);
  const owned = await findOwnedAccount(trx, actorUserId, request.fromAccountId, 'from_account_id');
  const resolved = await resolvePayee(trx, request.to, owned.currency);
  if (resolved.id === owned.id) throw sameAccount();
  // Holds that lapsed give their reserve back before this one is judged (the sweeper may lag).
  // Before the account locks: the sweeper, too, takes a hold's row before its payer's.
  await settleDueHoldsOf(ctx, trx, owned.id, nowMs);
  // Both rows read again after their locks: a close of the payee that committed meanwhile is seen.
  await lockHoldParties(trx, ctx.storage.dialect, owned.id, resolved.id);
  const from = (await findAccountById(trx, owned.id)) ?? owned;
  const to = { ...resolved, ...(await findAccountById(trx, resolved.id)) };
  const currencies = { from: from.currency, to: to.currency };
  const facts = factsOf(from, to, request.amountMinor);
  if (!approves(facts)) throw refusalOf(facts, currencies) ?? new Error('hold: refused with every fact holding');
  if (!(await reserveHeld(trx, from.id, request.amountMinor))) {
    // Someone spent or froze it since we read (PostgreSQL: the row we read was not locked): name why.
    const now = (await findAccountById(trx, from.id)) ?? from;
    throw refusalOf(factsOf(now, to, request.amountMinor), currencies) ?? refusalOf({ ...facts, covered: false }, currencies) ?? new Error('hold: unreachable');
  }
  const id = ctx.random.uuid();
  await insertHold(trx, {
    id,
    from_account_id: from.id,
    to_account_id: to.id,
    amount: request.amountMinor,
    currency: from.currency,
    memo: request.memo,
    expires_at: expiresAtMs,
    created_at: nowMs,
    actor_user_id: actorUserId,
  });
  const row = await findHoldWithParties(trx, id);
  if (!row) throw new Error('hold: the row just written is missing');
  const held = BigInt(from.held ?? 0n) + request.amountMinor;
  const hold = holdView(row, nowMs);
  await recordHoldChange(ctx, trx, hold, [from.id, to.id]);
  return { kind: 'placed', hold, account: accountView({ ...from, held }) };
}
