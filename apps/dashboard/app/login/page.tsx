// Sign in. Demo mode shows its two logins; production has none (config refuses them).
import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { LoginForm } from '../../components/login-form';
import { config } from '../../lib/config';
import { signedInStaff } from '../../lib/session';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ from?: string }> }) {
  const { from } = await searchParams;
  if ((await signedInStaff()) !== null) redirect('/');
  const demo = config().mode === 'demo';
  return (
    <main className="login">
      <div className="card">
        <h1>idem dashboard</h1>
        <p>Sign in to see every idempotency key: replays, conflicts, leases and expiry.</p>
        <LoginForm from={from ?? '/'} />
        {demo ? (
          <div className="notice info" data-testid="demo-logins">
            <strong>Demo mode.</strong> Sign in as <code>admin</code> / <code>demo</code> (may act) or{' '}
            <code>support</code> / <code>demo</code> (read-only).
          </div>
        ) : null}
      </div>
    </main>
  );
}
