// Runs before every page: a request without a session cookie goes to the login page (remembering where it was
// going). Whether the cookie is genuine and unexpired is checked by the pages themselves (lib/session.ts),
// which also use the path passed on here to send a visitor with a stale cookie to the login page and back.
import { type NextRequest, NextResponse } from 'next/server';
import { PATH_HEADER, SESSION_COOKIE } from './lib/cookie';

export function proxy(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
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
  // Everything but the login page, the JSON route (it answers 401 itself) and static files.
  matcher: ['/((?!login|api/|_next/static|_next/image|favicon.ico).*)'],
};
