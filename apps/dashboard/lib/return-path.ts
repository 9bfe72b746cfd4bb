// Where to go after signing in or acting: only same-site paths, since an open redirect through ?from= would
// send staff elsewhere with their guard down.

const BASE = 'http://dashboard.invalid';

/**
 * The path and query to return to, or '/'. Resolved as a browser would (which drops tabs and newlines, so
 * `/\t/evil.example` is `//evil.example`, and reads `\` as `/`) and kept only if it stays on this site.
 *
 * @example
 * safeReturn('/keys?state=in_flight') // '/keys?state=in_flight'
 * safeReturn('/\t/evil.example')     // '/'
 */
export function safeReturn(from: FormDataEntryValue | null): string {
  if (typeof from !== 'string' || !from.startsWith('/')) return '/';
  try {
    const url = new URL(from, BASE);
    return url.origin === BASE ? `${url.pathname}${url.search}` : '/';
  } catch {
    return '/';
  }
}
