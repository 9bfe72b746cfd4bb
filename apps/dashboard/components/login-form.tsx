'use client';
import { useActionState } from 'react';
import { type LoginState, login } from '../app/actions';

export function LoginForm({ from }: { from: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, { error: null, username: '' });
  return (
    <form action={action} noValidate>
      <input type="hidden" name="from" value={from} />
      <label>
        User name
        <input name="username" autoComplete="username" required defaultValue={state.username} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <div aria-live="assertive">
        {state.error ? (
          <p className="notice error" role="alert">
            {state.error}
          </p>
        ) : null}
      </div>
      <button type="submit" disabled={pending}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
