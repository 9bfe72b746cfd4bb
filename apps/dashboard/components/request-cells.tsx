// Cells every list of logged requests shows the same way (Requests, Possible duplicates, Conflicts): the key,
// linked to its story when it was stored, and the request id, linked to the request as the client got it.
import Link from 'next/link';

export function KeyCell({
  keyId,
  name,
  anchor = '',
}: {
  keyId: string | null;
  name: string;
  anchor?: string;
}) {
  const shown = name || '(no key)';
  return (
    <td data-label="Key" className="key-cell mono">
      {keyId ? (
        <Link href={`/keys/${keyId}${anchor}`} prefetch={false}>
          {shown}
        </Link>
      ) : (
        shown
      )}
    </td>
  );
}

export function RequestIdCell({ id, requestId }: { id: string; requestId: string | null }) {
  return (
    <td data-label="Request id" className="key-cell mono">
      <Link href={`/requests/${id}`} prefetch={false}>
        {requestId ?? 'details'}
      </Link>
    </td>
  );
}
