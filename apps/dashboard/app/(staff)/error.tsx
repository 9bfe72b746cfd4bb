'use client';
// When a page cannot load (usually: the idem API is down or refused the dashboard's token), say so plainly
// and offer a retry, instead of a blank page.
import { useEffect } from 'react';

export default function StaffError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div className="card" role="alert">
      <h1>This page could not load</h1>
      <p>
        The dashboard did not get an answer from the idem API. Check that the API is running and that the
        dashboard and the API share the same <code>IDEM_ADMIN_TOKEN</code>.
      </p>
      {error.digest ? (
        <p className="mono">
          Reference: <code>{error.digest}</code> (search the dashboard&apos;s log for it)
        </p>
      ) : null}
      <button type="button" onClick={() => reset()}>
        Try again
      </button>
    </div>
  );
}
