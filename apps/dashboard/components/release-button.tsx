'use client';
// Releasing a held key is a two-step action: the first button explains what will happen, the second does it.
// The holder, if still alive, will find its outcome refused; a retry then runs fresh.
import { useActionState, useState } from 'react';
import { type ActionState, releaseKey } from '../app/actions';

export function ReleaseButton({
  scope,
  procedure,
  keyName,
  csrf,
  leaseLive,
  returnTo,
  operation,
}: {
  scope: string;
  procedure: string;
  keyName: string;
  csrf: string;
  leaseLive: boolean;
  /** The page to come back to; it shows which key was released. */
  returnTo: string;
  /** The idempotency key of this release, minted when the page rendered: a resubmission is the same action. */
  operation: string;
}) {
  const [state, action, pending] = useActionState<ActionState, FormData>(releaseKey, { status: 'idle' });
  const [confirming, setConfirming] = useState(false);
  return (
    <form action={action}>
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="scope" value={scope} />
      <input type="hidden" name="procedure" value={procedure} />
      <input type="hidden" name="key" value={keyName} />
      <input type="hidden" name="returnTo" value={returnTo} />
      <input type="hidden" name="operation" value={operation} />
      {confirming ? (
        <fieldset className="actions-row confirm">
          <legend className="visually-hidden">Confirm releasing {keyName}</legend>
          <span>
            {leaseLive
              ? 'Its holder may still be running: it will be refused when it finishes. Release anyway?'
              : 'Its holder’s lease has ended. Release it so a retry runs fresh?'}
          </span>
          <button type="submit" className="danger" disabled={pending}>
            {pending ? 'Releasing…' : 'Yes, release the key'}
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={pending}>
            Cancel
          </button>
        </fieldset>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Release key<span className="visually-hidden"> {keyName}</span>
        </button>
      )}
      {state.status === 'error' ? (
        <p className="notice error" role="alert">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
