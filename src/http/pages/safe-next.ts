/**
 * Where to send someone after sign-in. Only a same-site path is followed: anything that a browser
 * could read as another origin ("//evil.example", "/\evil", "https://…", "javascript:…") or that
 * carries control characters is dropped, and the caller falls back to the dashboard.
 */
const BASE = 'http://minibank.invalid';

export function safeNextPath(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 512) return null;
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  // Browsers treat a backslash like a slash in URLs, so "/\evil" would be "//evil".
  if (raw.includes('\\') || /[\u0000-\u001f\u007f\s]/u.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const path = url.pathname + url.search + url.hash;
  return path.startsWith('//') ? null : path;
}

/** The login URL that brings the user back to `path` afterwards. */
export function loginUrlFor(path: string | null): string {
  const next = path ? safeNextPath(path) : null;
  return next && next !== '/' ? `/login?next=${encodeURIComponent(next)}` : '/login';
}
