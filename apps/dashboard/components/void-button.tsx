'use client';
// Voiding a completed or failed key (D8), admin only: a reason is asked for and kept in the audit log; the next
// request under the key then runs fresh. Two steps, like a release: the first shows what will happen.
import { useActionState, useState } from 'react';
import { type VoidState, voidKey } from '../app/key-actions';

export function VoidButton({
  scope,
  procedure,
  kind,
  keyName,
  csrf,
  status,
  operation,
}: {
  scope: string;
  procedure: string;
  kind: string;
  keyName: string;
  csrf: string;
  /** The stored outcome's status, to say what stops replaying. */
  status: number | null;
  /** The idempotency key of this void, minted when the page rendered: a resubmission is the same action. */
  operation: string;
}) {
  const [state, action, pending] = useActionState<VoidState, FormData>(voidKey, { status: 'idle' });
  const [confirming, setConfirming] = useState(false);
  return (
    <form action={action} className="void-form">
      <input type="hidden" name="csrf" value={csrf} />
      <input type="hidden" name="scope" value={scope} />
      <input type="hidden" name="procedure" value={procedure} />
      <input type="hidden" name="kind" value={kind} />
      <input type="hidden" name="key" value={keyName} />
      <input type="hidden" name="operation" value={operation} />
      {confirming ? (
        <fieldset className="confirm">
          <legend>Void {keyName}</legend>
          <p>
            The stored outcome{status === null ? '' : ` (status ${status})`} stops replaying: the
            customer&apos;s next request with this key runs fresh. The reason goes to the audit log.
          </p>
          <label>
            Reason
            <textarea name="reason" required minLength={3} maxLength={500} rows={2} />
          </label>
          <div className="actions-row">
            <button type="submit" className="danger" disabled={pending}>
              {pending ? 'Voiding…' : 'Yes, void the key'}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => setConfirming(false)}
              disabled={pending}
            >
              Cancel
            </button>
          </div>
        </fieldset>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          Void key<span className="visually-hidden"> {keyName}</span>
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
