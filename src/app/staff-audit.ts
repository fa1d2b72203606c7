/**
 * The audit of staff work (issue 15 item 3): every staff action, looks included, is a security
 * event on the staff member's own row naming the target and the reason; an action on a customer's
 * accounts or sessions (not a look) is also an event on the customer's row, which says only "bank
 * staff": no staff id and no client address (the staff member's IP or browser would name them).
 */
import type { Db, Trx } from '../storage/storage.js';
import type { AppContext } from './context.js';
import { recordSecurityEvent, UNKNOWN_CLIENT, type ClientInfo, type SecurityEventType } from './security-events.js';
import type { StaffMember } from './staff-access.js';

export type AuditDetails = Record<string, string | number | boolean | null>;

/** What the staff member did, on their own row: `details` names the target (user, account) and the reason. */
export async function recordStaffAction(
  ctx: AppContext,
  staff: Pick<StaffMember, 'userId'>,
  client: ClientInfo,
  type: SecurityEventType,
  details: AuditDetails,
  db?: Db | Trx,
): Promise<void> {
  await recordSecurityEvent(ctx, { type, userId: staff.userId, client, details }, db);
}

/** What the customer sees of it on their own timeline: the fact, by "bank staff", never the person. */
export async function recordCustomerNotice(
  ctx: AppContext,
  customerUserId: string,
  type: SecurityEventType,
  details: AuditDetails,
  db?: Db | Trx,
): Promise<void> {
  await recordSecurityEvent(ctx, { type, userId: customerUserId, client: UNKNOWN_CLIENT, details: { ...details, by: 'bank staff' } }, db);
}
