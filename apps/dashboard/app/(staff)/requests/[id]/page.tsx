// One request as it was answered (D7): the answer exactly as the client got it (status, the headers it carried,
// the body's bytes), the request as received with secrets redacted, where it came in and from whom, and what idem
// decided and why. Support can quote the response back to the customer.
import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { cache } from 'react';
import { DecisionBadge, Payload, ScrollingTable, Time } from '../../../../components/bits';
import { adminApi, apiError } from '../../../../lib/api';
import { decisionMeaning } from '../../../../lib/format';
import { requireStaff } from '../../../../lib/session';

const load = cache(async (id: string) => {
  const staff = await requireStaff();
  try {
    return await adminApi(staff).request.query({ id });
  } catch (error) {
    if (apiError(error).status === 404) notFound();
    throw error;
  }
});

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const r = await load((await params).id);
  return { title: `Request ${r.requestId ?? r.id}` };
}

function Message({
  title,
  message,
  testId,
  status,
}: {
  title: string;
  message: {
    headers: Record<string, string>;
    body: string | null;
    bytes: number | null;
    redacted: boolean;
    truncated: boolean;
  } | null;
  testId: string;
  status?: number | null;
}) {
  const headers = Object.entries(message?.headers ?? {});
  return (
    <section className="card" aria-labelledby={`${testId}-title`}>
      <h2 id={`${testId}-title`}>
        {title}
        {status !== undefined && status !== null ? `: status ${status}` : ''}
      </h2>
      {message === null ? (
        <p>Not seen: this door did not report what it sent.</p>
      ) : (
        <>
          {headers.length > 0 ? (
            <ScrollingTable label={`${title}: headers`}>
              <table>
                <caption className="visually-hidden">{title}: headers</caption>
                <thead>
                  <tr>
                    <th scope="col">Header</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {headers.map(([name, value]) => (
                    <tr key={name}>
                      <th scope="row" className="mono">
                        {name}
                      </th>
                      <td className="mono key-cell">{value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollingTable>
          ) : null}
          <p className="detail">
            Body{message.bytes === null ? '' : `, ${message.bytes.toLocaleString('en')} bytes`}
            {message.redacted
              ? ' — secrets redacted, so not byte for byte what travelled'
              : ' — exactly as it travelled'}
            {message.truncated ? '; cut at its size bound' : ''}:
          </p>
          <Payload testId={testId}>{message.body ?? '(none)'}</Payload>
        </>
      )}
    </section>
  );
}

export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  const r = await load((await params).id);
  return (
    <>
      <div className="page-head">
        <div>
          <p>
            <Link href="/requests" prefetch={false}>
              ← Requests
            </Link>
          </p>
          <h1 className="mono">Request {r.requestId ?? r.id}</h1>
          <p>
            <DecisionBadge decision={r.decision} /> {r.route ?? r.procedure} · caller{' '}
            <strong>{r.caller ?? r.scope}</strong>
          </p>
        </div>
      </div>
      <section className="summary" aria-labelledby="meaning-title">
        <h2 id="meaning-title" className="visually-hidden">
          What happened
        </h2>
        <p data-testid="decision-meaning">{decisionMeaning(r.decision, r.reason, r.status)}</p>
      </section>
      <section className="card" aria-labelledby="facts-title">
        <h2 id="facts-title">Request</h2>
        <dl className="facts">
          <dt>When</dt>
          <dd>
            <Time ms={r.at} />
          </dd>
          <dt>Request id</dt>
          <dd className="mono">{r.requestId ?? '—'}</dd>
          <dt>Route</dt>
          <dd className="mono">{r.route ?? '—'}</dd>
          <dt>Procedure</dt>
          <dd className="mono">{r.procedure}</dd>
          <dt>Caller</dt>
          <dd>{r.caller ? `${r.caller} (${r.scope})` : r.scope}</dd>
          <dt>Key</dt>
          <dd className="mono">
            {r.keyId ? (
              <Link href={`/keys/${r.keyId}`} prefetch={false}>
                {r.key || '(no key)'}
              </Link>
            ) : (
              r.key || '(no key sent)'
            )}
          </dd>
          <dt>Natural id</dt>
          <dd className="mono">{r.naturalId ?? '—'}</dd>
          <dt>Client</dt>
          <dd className="mono" data-testid="client">
            {r.userAgent ?? 'no user agent'} · {r.address ?? 'address unknown'}
          </dd>
          <dt>Took</dt>
          <dd>{r.durationMs === null ? '—' : `${r.durationMs} ms`}</dd>
        </dl>
      </section>
      <div className="grid two-col">
        <Message title="What the client got" message={r.response} status={r.status} testId="response" />
        <Message title="What the client sent (secrets redacted)" message={r.request} testId="request" />
      </div>
    </>
  );
}
