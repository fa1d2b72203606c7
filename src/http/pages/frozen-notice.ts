/**
 * What the owner of a frozen account is told on the dashboard and the money forms (issue 15: "a
 * frozen account neither sends nor receives, and its owner sees why"): the reason bank staff gave,
 * never who froze it. Rendered by views/partials/frozen-notice.eta.
 */
import type { AccountView } from '../../app/views.js';

export interface FrozenNotice {
  /** The staff member's reason as they typed it (escaped by the template), or null when none is stored. */
  reason: string | null;
}

/** The notice for a frozen account, or null for an open or closed one. */
export function frozenNotice(account: AccountView & { frozenReason?: string | null }): FrozenNotice | null {
  return account.status === 'frozen' ? { reason: account.frozenReason ?? null } : null;
}
