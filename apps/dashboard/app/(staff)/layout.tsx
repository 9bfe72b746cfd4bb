// Every page but the login needs a session: this layout checks it and frames the pages with the navigation,
// who is signed in, and a sign-out button (a CSRF-checked server action).
import Link from 'next/link';
import type { ReactNode } from 'react';
import { Nav, type NavItem } from '../../components/nav';
import { csrfToken, requireStaff } from '../../lib/session';
import { logout } from '../actions';

export default async function StaffLayout({ children }: { children: ReactNode }) {
  const staff = await requireStaff();
  const items: NavItem[] = [
    { href: '/', label: 'Overview' },
    { href: '/requests', label: 'Requests' },
    { href: '/keys', label: 'Keys' },
    { href: '/duplicates', label: 'Possible duplicates' },
    { href: '/conflicts', label: 'Conflicts' },
    { href: '/natural-duplicates', label: 'Natural duplicates' },
    ...(staff.role === 'admin' ? [{ href: '/actions', label: 'Actions' }] : []),
    { href: '/audit', label: 'Audit log' },
  ];
  return (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <div className="shell">
        <header className="sidebar">
          <Link prefetch={false} className="brand" href="/">
            idem
            <small>idempotency keys</small>
          </Link>
          <Nav items={items} />
          <div className="who">
            <span>
              Signed in as <strong data-testid="signed-in-user">{staff.user}</strong>{' '}
              <span className="badge role">{staff.role === 'admin' ? 'admin' : 'support · read-only'}</span>
            </span>
            <form action={logout}>
              <input type="hidden" name="csrf" value={csrfToken(staff)} />
              <button type="submit" className="secondary">
                Sign out
              </button>
            </form>
          </div>
        </header>
        <main className="content" id="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}
