// A key's story (D2): what the caller sent (fingerprint, canonical request, secrets redacted), what was
// answered (status and body), every replay, conflict, in-flight refusal, takeover and completion with its time
// and request id, the difference between the original and each conflicting request, who holds the lease and
// until when, and how long the key has left.
import { mintKey } from '@idem/trpc/client';
import Link from 'next/link';
import type { EventView, StoryView } from '../lib/api';
import { formatClock, formatDuration, formatTime } from '../lib/format';
import type { Session } from '../lib/session';
import { AutoRefresh } from './auto-refresh';
import { EventBadge, ReleasedNotice, StateBadge, Time } from './bits';
import { Countdown } from './countdown';
import { PayloadDiff } from './payload-diff';
import { ReleaseButton } from './release-button';

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** One line saying what an event meant. */
function describe(e: EventView): string {
  const d = e.detail ?? {};
  switch (e.type) {
    case 'begin':
      return `Ran the procedure (${d.reason === 'new' ? 'new key' : text(d.reason).replace('_', ' ')}); lease taken by ${text(d.leaseOwner)}, fence ${text(d.fence)}.`;
    case 'takeover':
      return `The previous holder's lease had ended: ${text(d.leaseOwner)} took the key over (fence ${text(d.fence)}) and ran it again.`;
    case 'complete':
      return `Outcome stored: status ${text(d.status)}${d.ok === false ? ' (an error)' : ''}.`;
    case 'replay':
      return `Same key and payload: answered ${text(d.status)} from the stored outcome, without running${d.mismatch ? ' (payload differed; this policy replays anyway)' : ''}${d.waited ? ', after waiting for the first request' : ''}.`;
    case 'conflict':
      return `Same key, different payload: refused with ${text(d.status)} ${text(d.code)}. See the difference below.`;
    case 'in_flight':
      return `Refused while the first request was still running${d.waited ? ' (after waiting)' : ''}; told to retry after ${formatDuration(Number(d.retryAfterMs ?? 0))}.`;
    case 'abandon':
      return `The holder gave the key up without storing an outcome${d.reason ? ` (${text(d.reason)})` : ''}; a retry runs fresh.`;
    case 'lease_lost':
      return `A holder found its lease taken over (${text(d.reason)}); its outcome was refused.`;
    case 'release':
      return `Released by ${text(d.actor)} from the dashboard (was held by ${text(d.leaseOwner) || 'nobody'}, fence ${text(d.fence)}).`;
    case 'natural_duplicate':
      return `Refused as ${text(d.code)}: ${text(d.fields)} "${text(d.value)}" already belongs to the request under key ${text(d.heldBy)}.`;
    case 'purge':
      return `Expired keys purged: ${text(d.deleted)}.`;
    default:
      return '';
  }
}

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
  const count = (type: string) => story.events.filter((e) => e.type === type).length;
  const first = chronological.find((e) => e.type === 'begin' || e.type === 'takeover');
  const conflicts = chronological.filter((e) => e.type === 'conflict' && e.payload !== null);
  const held = r !== null && r.state !== 'completed' && r.state !== 'failed' && r.leaseOwner !== null;
  const leaseLive = held && r.leaseExpiresAt !== null && r.leaseExpiresAt > story.now;

  return (
    <>
      <div className="page-head">
        <div>
          <p>
            <Link href="/keys">← Keys</Link>
          </p>
          <h1 className="mono">{story.key}</h1>
          <p>
            {r ? <StateBadge state={r.state} /> : <span className="badge expired">No longer stored</span>}{' '}
            caller <strong>{story.scope}</strong> · procedure <code>{story.procedure}</code>
          </p>
        </div>
        <AutoRefresh seconds={5} />
      </div>
      <ReleasedNotice params={params} />

      <section className="summary" aria-labelledby="summary-title">
        <h2 id="summary-title" className="visually-hidden">
          In short
        </h2>
        <strong>What happened:</strong>
        <ul>
          {first ? (
            <li>
              First run at {formatTime(first.at)} (request <code>{first.requestId ?? 'unknown'}</code>).
            </li>
          ) : null}
          {r?.outcome ? (
            <li>
              Stored outcome: status <strong>{r.outcome.status}</strong>
              {r.outcome.ok ? '' : ' (an error, replayed like a success)'}.
            </li>
          ) : r ? (
            <li>No outcome yet: the key is in flight.</li>
          ) : (
            <li>The key is no longer stored (released, abandoned or purged); its events remain.</li>
          )}
          <li>
            {count('replay')} replay{count('replay') === 1 ? '' : 's'}, {count('conflict')} conflict
            {count('conflict') === 1 ? '' : 's'}, {count('in_flight')} in-flight refusal
            {count('in_flight') === 1 ? '' : 's'}
            {count('takeover') > 0 ? `, ${count('takeover')} lease takeover(s)` : ''}
            {count('natural_duplicate') > 0 ? `, ${count('natural_duplicate')} natural duplicate(s)` : ''}.
          </li>
          {count('conflict') > 0 ? (
            <li>
              A conflict means the same key came back with a different request: it was refused, nothing ran
              twice.
            </li>
          ) : null}
        </ul>
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
                  <div className="detail">{describe(e)}</div>
                  <div className="detail">
                    Request <code>{e.requestId ?? '—'}</code>
                  </div>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>

      <div className="grid two-col">
        <section className="card" aria-labelledby="request-title">
          <h2 id="request-title">Request (canonical, secrets redacted)</h2>
          {r?.request ? (
            <pre className="payload" data-testid="request">
              {r.request}
            </pre>
          ) : (
            <p>Not kept.</p>
          )}
        </section>
        <section className="card" aria-labelledby="outcome-title">
          <h2 id="outcome-title">Stored outcome{r?.outcome ? `: status ${r.outcome.status}` : ''}</h2>
          {r?.outcome ? (
            <>
              <pre className="payload" data-testid="outcome">
                {r.outcome.body}
              </pre>
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
                <pre className="payload">{e.payload}</pre>
              )}
            </div>
          ))
        )}
      </section>
    </>
  );
}
