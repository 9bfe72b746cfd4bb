// Cross-site request forgery, refused at the door: a request that changes something (a form post, a server
// action) must come from a page of this origin. The proxy answers 403 before Next's own check would throw (500).

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request that changes something comes from another origin: its Origin (or, without one, its Referer)
 * names a host other than the one it was sent to (as a proxy in front forwards it).
 */
export function crossOrigin(request: { method: string; headers: Headers }): boolean {
  if (SAFE.has(request.method)) return false;
  const from = request.headers.get('origin') ?? request.headers.get('referer');
  if (from === null) return false;
  if (from === 'null') return true;
  const host = request.headers.get('x-forwarded-host')?.split(',')[0]?.trim() ?? request.headers.get('host');
  try {
    return new URL(from).host !== host;
  } catch {
    return true;
  }
}
