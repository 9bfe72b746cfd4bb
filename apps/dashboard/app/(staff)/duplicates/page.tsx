// Possible duplicates (D6): the double charge a customer reports. The same caller sent the same payload to the same
// procedure under different keys (or none) within the window: idem ran each, rightly, since the keys differed;
// support decides whether the client minted a new key per retry. Natural ids seen again, and requests refused as
// duplicates of another key's resource (N5), are listed below. Each request leads to what its client got.
import type { Metadata } from 'next';
import { AutoRefresh } from '../../../components/auto-refresh';
import { DecisionBadge, Empty, Pager, Time } from '../../../components/bits';
import { adminApi, type AdminOutputs } from '../../../lib/api';
import { WINDOWS, type WindowName, windowOf } from '../../../lib/format';
import { KeyCell, RequestIdCell } from '../../../components/request-cells';
import { WindowNav } from '../../../components/window-nav';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Possible duplicates' };

type Group = AdminOutputs['duplicates']['items'][number];

function GroupCard({ g }: { g: Group }) {
  const title =
    g.kind === 'payload'
      ? `${g.requests} requests with the same payload under ${g.keys} different key${g.keys === 1 ? '' : 's'}`
      : g.key === null
        ? `Refused as a duplicate of another key's resource: ${g.naturalId ?? ''}`
        : `Natural id ${g.naturalId ?? g.key} seen ${g.requests} times`;
  return (
    <article className="card group" aria-label={title} data-group={g.kind}>
      <h3>{title}</h3>
      <p className="detail">
        Caller <strong>{g.caller ?? g.scope}</strong> · <span className="mono">{g.procedure}</span> · first{' '}
        <Time ms={g.firstSeen} /> · last <Time ms={g.lastSeen} />
        {g.fingerprint ? (
          <>
            {' '}
            · payload fingerprint <span className="mono">{g.fingerprint.slice(0, 12)}…</span>
          </>
        ) : null}
      </p>
      <div className="table-wrap">
        <table className="responsive">
          <caption className="visually-hidden">{title}: requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Decision</th>
              <th scope="col">Status</th>
              <th scope="col">Key</th>
              <th scope="col">Request id</th>
            </tr>
          </thead>
          <tbody>
            {g.members.map((m) => (
              <tr key={m.id}>
                <td data-label="When">
                  <Time ms={m.at} short />
                </td>
                <td data-label="Decision">
                  <DecisionBadge decision={m.decision} />
                </td>
                <td data-label="Status">{m.status ?? '—'}</td>
                <KeyCell keyId={m.keyId} name={m.key} />
                <RequestIdCell id={m.id} requestId={m.requestId} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {g.requests > g.members.length ? (
        <p className="detail">
          The {g.members.length} newest of {g.requests} are shown.
        </p>
      ) : null}
    </article>
  );
}

export default async function DuplicatesPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const staff = await requireStaff();
  const params = await searchParams;
  const name: WindowName = windowOf(params.window);
  const { windowMs, label } = WINDOWS[name];
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const api = adminApi(staff);
  const [payload, natural] = await Promise.all([
    api.duplicates.query({ kind: 'payload', windowMs, ...(cursor ? { cursor } : {}) }),
    api.duplicates.query({ kind: 'natural', windowMs, limit: 50 }),
  ]);
  const current = new URLSearchParams({ window: name });
  if (cursor) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Possible duplicates</h1>
          <p>
            {label}: the same caller sending the same payload to the same procedure under different keys. Each
            ran, since its key was new; check with the customer whether it was meant once.
          </p>
        </div>
        <div className="actions-row">
          <WindowNav base="/duplicates" current={name} />
          <AutoRefresh seconds={30} />
        </div>
      </div>

      <section aria-labelledby="payload-title">
        <h2 id="payload-title">
          Same payload, different keys:{' '}
          <span data-testid="payload-groups">{payload.total ?? payload.items.length}</span> group
          {(payload.total ?? payload.items.length) === 1 ? '' : 's'}
        </h2>
        {payload.items.length === 0 ? (
          <div className="card">
            <Empty title="No possible duplicates in this window.">
              <p>
                A group appears when one caller sends the same payload under a second key, or without one.
              </p>
            </Empty>
          </div>
        ) : (
          payload.items.map((g) => <GroupCard key={g.id} g={g} />)
        )}
        <Pager
          base="/duplicates"
          params={current}
          nextCursor={payload.nextCursor}
          label="Possible duplicates"
        />
      </section>

      <section aria-labelledby="natural-title">
        <h2 id="natural-title">
          Natural ids seen again:{' '}
          <span data-testid="natural-groups">{natural.total ?? natural.items.length}</span> group
          {(natural.total ?? natural.items.length) === 1 ? '' : 's'}
        </h2>
        {natural.items.length === 0 ? (
          <div className="card">
            <Empty title="No natural id came back in this window." />
          </div>
        ) : (
          natural.items.map((g) => <GroupCard key={g.id} g={g} />)
        )}
      </section>
    </>
  );
}
