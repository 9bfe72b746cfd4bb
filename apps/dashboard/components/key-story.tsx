// A key's story (D2, D7, D8): the whole story in order, in words that match what each client got; what the caller sent (fingerprint, canonical request, secrets redacted), what was
// answered (status and body), every replay, conflict, in-flight refusal, takeover and completion with its time
// and request id, the difference between the original and each conflicting request, who holds the lease and
// until when, and how long the key has left.
import { mintKey } from '@idem/trpc/client';
import Link from 'next/link';
import type { StoryView } from '../lib/api';
import { formatClock, formatTime } from '../lib/format';
import type { Session } from '../lib/session';
import { describeEvent, narrate } from '../lib/story';
import { AutoRefresh } from './auto-refresh';
import { DecisionBadge, EventBadge, Payload, ReleasedNotice, StateBadge, Time } from './bits';
import { Countdown } from './countdown';
import { PayloadDiff } from './payload-diff';
import { ReleaseButton } from './release-button';
import { VoidButton } from './void-button';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function KeyStory({
  story,
  staff,
  csrf,
  path,
  params,
}: {
  story: StoryView;
  staff: Session;
  csrf: string;
  /** This page's path, to come back to after a release. */
  path: string;
  params: Record<string, string | string[] | undefined>;
}) {
  const r = story.record;
  const chronological = [...story.events].reverse();
  const { lines, counts } = narrate(story.events);
  const requestsById = new Map(story.requests.filter((q) => q.requestId).map((q) => [q.requestId!, q]));
  const conflicts = chronological.filter((e) => e.type === 'conflict' && e.payload !== null);
  const held = r !== null && r.state !== 'completed' && r.state !== 'failed' && r.leaseOwner !== null;
  const leaseLive = held && r.leaseExpiresAt !== null && r.leaseExpiresAt > story.now;

  return (
    <>
      <div className="page-head">
        <div>
          <p>
            <Link prefetch={false} href="/keys">
              ← Keys
            </Link>
          </p>
          <h1 className="mono">{story.key}</h1>
          <p>
            {r ? <StateBadge state={r.state} /> : <span className="badge expired">No longer stored</span>}{' '}
            caller <strong>{story.caller ?? story.scope}</strong> · procedure <code>{story.procedure}</code>
          </p>
        </div>
        <AutoRefresh seconds={5} />
      </div>
      <ReleasedNotice params={params} />

      {params.voided ? (
        <p className="notice ok" role="status">
          Voided. The next request with this key runs fresh; the void and its reason are in the audit log.
        </p>
      ) : null}

      <section className="summary" aria-labelledby="summary-title">
        <h2 id="summary-title">What happened, in order</h2>
        <ol className="story" data-testid="summary">
          {lines.map((line) => (
            <li key={`${line.at}-${line.requestId ?? line.text}`}>
              <time dateTime={new Date(line.at).toISOString()}>{formatClock(line.at)}</time>{' '}
              {line.requestId ? (
                <>
                  request{' '}
                  {requestsById.has(line.requestId) ? (
                    <Link href={`/requests/${requestsById.get(line.requestId)!.id}`} prefetch={false}>
                      <code>{line.requestId}</code>
                    </Link>
                  ) : (
                    <code>{line.requestId}</code>
                  )}
                  :{' '}
                </>
              ) : null}
              {line.text}
            </li>
          ))}
        </ol>
        <p data-testid="summary-counts">
          {plural(counts.runs, 'run')}
          {counts.reruns > 0 ? ` (${plural(counts.reruns, 're-run')})` : ''},{' '}
          {plural(counts.replays, 'replay')}, {plural(counts.conflicts, 'conflict')},{' '}
          {plural(counts.inFlight, 'in-flight refusal')}
          {counts.refused > 0 ? `, ${plural(counts.refused, 'other refusal')}` : ''}.{' '}
          {r?.outcome
            ? `Stored outcome: status ${r.outcome.status}${r.outcome.ok && r.outcome.status < 400 ? '' : ' (an error, replayed to every retry until the key expires or is voided)'}.`
            : r
              ? 'No outcome yet: the key is in flight.'
              : 'The key is no longer stored (released, voided, abandoned or purged); its events remain.'}
        </p>
      </section>

      <div className="grid two-col">
        <section className="card" aria-labelledby="facts-title">
          <h2 id="facts-title">Key</h2>
          <dl className="facts">
            <dt>Record id</dt>
            <dd className="mono">{r?.id ?? '—'}</dd>
            <dt>Policy</dt>
            <dd>{r?.policy ?? '—'}</dd>
            <dt>Natural id</dt>
            <dd className="mono">{r?.naturalId ?? '—'}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono" data-testid="fingerprint">
              {r ? `${r.fingerprintAlg}: ${r.fingerprint}` : '—'}
            </dd>
            <dt>Fence</dt>
            <dd>{r?.fence ?? '—'}</dd>
            <dt>Created</dt>
            <dd>
              <Time ms={r?.createdAt ?? null} now={story.now} />
            </dd>
            <dt>Completed</dt>
            <dd>
              <Time ms={r?.completedAt ?? null} now={story.now} />
            </dd>
            <dt>Lease holder</dt>
            <dd className="mono" data-testid="lease-holder">
              {held ? r.leaseOwner : 'none'}
            </dd>
            <dt>Lease ends</dt>
            <dd data-testid="lease-expiry">
              {held && r.leaseExpiresAt !== null ? (
                <>
                  <Time ms={r.leaseExpiresAt} /> · <Countdown until={r.leaseExpiresAt} now={story.now} />
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Key expires</dt>
            <dd data-testid="key-expiry">
              {r === null ? (
                '—'
              ) : r.expiresAt === null ? (
                'never (a natural key lasts as long as its entity)'
              ) : (
                <>
                  <Time ms={r.expiresAt} /> ·{' '}
                  <Countdown until={r.expiresAt} now={story.now} endedText="expired" />
                </>
              )}
            </dd>
          </dl>
          {r !== null && r.state === 'in_flight' ? (
            <div style={{ marginTop: '1rem' }}>
              {staff.role === 'admin' ? (
                <ReleaseButton
                  scope={story.scope}
                  procedure={story.procedure}
                  keyName={story.key}
                  csrf={csrf}
                  leaseLive={leaseLive}
                  returnTo={path}
                  operation={mintKey()}
                />
              ) : (
                <p className="notice info">
                  Only an admin can release this key; you are signed in read-only.
                </p>
              )}
            </div>
          ) : null}
          {r !== null && r.state !== 'in_flight' ? (
            <div style={{ marginTop: '1rem' }}>
              {staff.role === 'admin' ? (
                <VoidButton
                  scope={story.scope}
                  procedure={story.procedure}
                  kind={story.kind}
                  keyName={story.key}
                  csrf={csrf}
                  status={r.outcome?.status ?? null}
                  operation={mintKey()}
                />
              ) : (
                <p className="notice info">Only an admin can void this key; you are signed in read-only.</p>
              )}
            </div>
          ) : null}
        </section>

        <section className="card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          {chronological.length === 0 ? (
            <p>No events were recorded for this key.</p>
          ) : (
            <ol className="timeline" data-testid="timeline">
              {chronological.map((e) => (
                <li key={e.id} data-event={e.type}>
                  <EventBadge type={e.type} />
                  <span className="when">
                    <time dateTime={new Date(e.at).toISOString()} title={formatTime(e.at)}>
                      {formatClock(e.at)}
                    </time>
                  </span>
                  {r !== null && e.keyId !== null && e.keyId !== r.id ? (
                    <span className="when"> · earlier generation of this key</span>
                  ) : null}
                  <div className="detail">{describeEvent(e, story.events)}</div>
                  <div className="detail">
                    Request <code>{e.requestId ?? '—'}</code>
                  </div>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="clients-title">
        <h2 id="clients-title">What each client got</h2>
        {story.requests.length === 0 ? (
          <p>
            No request of this key is in the request log (it keeps 30 days; staff actions and older keys have
            none).
          </p>
        ) : (
          <div className="table-wrap">
            <table className="responsive" data-testid="client-requests">
              <caption className="visually-hidden">Requests under this key, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Status</th>
                  <th scope="col">Request id</th>
                  <th scope="col">Answer as sent</th>
                </tr>
              </thead>
              <tbody>
                {story.requests.map((q) => (
                  <tr key={q.id} data-decision={q.decision}>
                    <td data-label="When">
                      <Time ms={q.at} short />
                    </td>
                    <td data-label="Decision">
                      <DecisionBadge decision={q.decision} />
                    </td>
                    <td data-label="Status">{q.status ?? '—'}</td>
                    <td data-label="Request id" className="mono key-cell">
                      <Link href={`/requests/${q.id}`} prefetch={false}>
                        {q.requestId ?? 'details'}
                      </Link>
                    </td>
                    <td data-label="Answer" className="mono key-cell">
                      {q.response?.body ? (
                        <details>
                          <summary>{q.response.bytes ?? q.response.body.length} bytes</summary>
                          <Payload>{q.response.body}</Payload>
                        </details>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="grid two-col">
        <section className="card" aria-labelledby="request-title">
          <h2 id="request-title">Request (canonical, secrets redacted)</h2>
          {r?.request ? <Payload testId="request">{r.request}</Payload> : <p>Not kept.</p>}
        </section>
        <section className="card" aria-labelledby="outcome-title">
          <h2 id="outcome-title">Stored outcome{r?.outcome ? `: status ${r.outcome.status}` : ''}</h2>
          <p className="detail">
            As idem keeps it for replays; what each client got, byte for byte, is above.
          </p>
          {r?.outcome ? (
            <>
              <Payload testId="outcome">{r.outcome.body}</Payload>
              {r.outcome.headers ? (
                <p className="mono">Headers: {JSON.stringify(r.outcome.headers)}</p>
              ) : null}
            </>
          ) : (
            <p>{r ? 'None yet: the first request is still running.' : 'Not stored any more.'}</p>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="diff-title" id="conflicts">
        <h2 id="diff-title">Conflicting requests</h2>
        {conflicts.length === 0 ? (
          <p>No request reused this key with a different payload.</p>
        ) : (
          conflicts.map((e, i) => (
            <div key={e.id} style={{ marginBottom: '1.25rem' }}>
              <h3>
                Conflict {i + 1} of {conflicts.length}: {formatTime(e.at)}, request{' '}
                <code>{e.requestId ?? '—'}</code>
              </h3>
              {r?.request ? (
                <PayloadDiff
                  original={r.request}
                  other={e.payload ?? ''}
                  otherLabel={`Conflicting request ${i + 1}`}
                />
              ) : (
                <Payload>{e.payload}</Payload>
              )}
            </div>
          ))
        )}
      </section>
    </>
  );
}
