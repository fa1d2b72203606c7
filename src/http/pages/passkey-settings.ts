/**
 * The passkeys section of /settings (partials/passkeys-settings.eta): the user's own passkeys with
 * when each was added and last used (in the user's time zone), and whether the add form must also
 * ask for an authenticator code (TOTP on: the step-up of issue 13 item 4).
 */
import type { AppContext } from '../../app/context.js';
import { listPasskeys } from '../../app/manage-passkeys.js';
import { secondFactorStatus } from '../../app/second-factor-status.js';
import { formatDateTime, isoTime } from './format.js';

export async function passkeySettingsData(ctx: AppContext, userId: string, timeZone: string) {
  const passkeys = await listPasskeys(ctx, userId);
  const status = await secondFactorStatus(ctx, ctx.storage.db, userId);
  return {
    totpOn: status.totp,
    passkeys: passkeys.map((p) => ({
      id: p.id,
      name: p.name,
      backedUp: p.backedUp,
      created: formatDateTime(p.createdAtMs, timeZone),
      createdIso: isoTime(p.createdAtMs),
      lastUsed: p.lastUsedAtMs === null ? null : formatDateTime(p.lastUsedAtMs, timeZone),
      lastUsedIso: p.lastUsedAtMs === null ? null : isoTime(p.lastUsedAtMs),
    })),
  };
}
