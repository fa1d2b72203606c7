/**
 * Who the passkeys belong to (WebAuthn "relying party"): its id is the host name of PUBLIC_URL and
 * the only origin accepted in an assertion or attestation is PUBLIC_URL itself. With PUBLIC_URL
 * empty (a local install) both come from the request's own Host, as the CSRF origin check does:
 * `http://localhost:3000` gives id `localhost`, which browsers accept over plain http (localhost is
 * a secure context); an IP address such as 127.0.0.1 is never a valid id, so passkeys fail there.
 * A passkey is bound to the id it was made under: changing PUBLIC_URL's host orphans every passkey.
 */
export interface RelyingParty {
  /** The RP ID: a host name, no scheme or port (WebAuthn section 5.1.2). */
  id: string;
  /** The exact origin an assertion must carry in its clientDataJSON (scheme, host, port). */
  origin: string;
  /** Shown by the browser's passkey dialog. */
  name: string;
}

/** The relying party for `publicUrl` (config PUBLIC_URL), or for `requestOrigin` when that is empty. */
export function relyingParty(publicUrl: string, requestOrigin: string): RelyingParty {
  const origin = publicUrl || requestOrigin;
  return { id: new URL(origin).hostname, origin: new URL(origin).origin, name: 'minibank' };
}
