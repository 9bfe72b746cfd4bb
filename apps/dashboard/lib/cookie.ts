/** The session cookie's name; its own module so the proxy can check for it without the session code. */
export const SESSION_COOKIE = 'idem_session';

/** The request header the proxy passes the requested path in, so a login can return there. */
export const PATH_HEADER = 'x-idem-path';
