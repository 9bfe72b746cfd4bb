// Runs before every page and route: a form posted from another site is refused with 403 (Next's own check of
// server actions would answer 500); a request without a session cookie goes to the login page (remembering where it
// was going). Whether the cookie is genuine and unexpired is checked by the pages themselves (lib/session.ts),
// which also use the path passed on here to send a visitor with a stale cookie to the login page and back.
import { type NextRequest, NextResponse } from 'next/server';
import { PATH_HEADER, SESSION_COOKIE } from './lib/cookie';
import { crossOrigin } from './lib/origin';

export function proxy(request: NextRequest): NextResponse {
  if (crossOrigin(request)) {
    return NextResponse.json(
      { error: 'Cross-origin requests may not change anything here.' },
      { status: 403, headers: { 'cache-control': 'no-store' } },
    );
  }
  const { pathname, search } = request.nextUrl;
  // The login page and the JSON routes answer without a session themselves.
  if (pathname === '/login' || pathname.startsWith('/api/')) return NextResponse.next();
  if (!request.cookies.has(SESSION_COOKIE)) {
    const login = new URL('/login', request.url);
    if (pathname !== '/') login.searchParams.set('from', `${pathname}${search}`);
    return NextResponse.redirect(login);
  }
  const headers = new Headers(request.headers);
  headers.set(PATH_HEADER, `${pathname}${search}`);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Everything but static files.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|icon.svg).*)'],
};
