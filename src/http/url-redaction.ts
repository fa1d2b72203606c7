/**
 * Request targets as logged: the value of a query parameter that carries a one-time secret is
 * replaced, so a log line never holds a working link (issue 18: the emailed password-reset and
 * address-confirmation links carry their single-use token as `?token=`). The access log writes the
 * target as received; the JSON request log leaves the query string out altogether.
 */

/** Query parameters whose values are secrets, by name. */
const SECRET_QUERY_PARAMS: readonly string[] = ['token'];

const SECRET_PARAM = new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#]*`, 'gi');

/** `url` with every secret query parameter's value replaced by `[redacted]`; unchanged when it has none. */
export function redactQuerySecrets(url: string): string {
  if (!url.includes('?')) return url;
  return url.replace(SECRET_PARAM, '$1[redacted]');
}
