// Conflicts (D3): every request that reused a key with another payload, newest first, from the request log: the
// same count the overview shows for the same window, each row with what its client got and a link to the story.
import type { Metadata } from 'next';
import { AutoRefresh } from '../../../components/auto-refresh';
import { Empty, Pager, Time } from '../../../components/bits';
import { adminApi } from '../../../lib/api';
import { WINDOWS, type WindowName, windowOf } from '../../../lib/format';
import { totalText } from '../../../lib/search';
import { KeyCell, RequestIdCell } from '../../../components/request-cells';
import { WindowNav } from '../../../components/window-nav';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Conflicts' };

type Params = Record<string, string | string[] | undefined>;

const msParam = (v: string | string[] | undefined) =>
  typeof v === 'string' && /^\d{12,}$/.test(v) ? Number(v) : undefined;

export default async function ConflictsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const staff = await requireStaff();
  const params = await searchParams;
  const name: WindowName = windowOf(params.window);
  // An exact window from the overview's links, else one of the named ones.
  const from = msParam(params.from) ?? Date.now() - WINDOWS[name].windowMs;
  const to = msParam(params.to);
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const page = await adminApi(staff).requests.query({
    decision: 'conflict',
    from,
    ...(to === undefined ? {} : { to }),
    count: true,
    limit: 50,
    ...(cursor ? { cursor } : {}),
  });
  const current = new URLSearchParams();
  if (msParam(params.from) !== undefined) current.set('from', String(from));
  else current.set('window', name);
  if (to !== undefined) current.set('to', String(to));
  if (cursor) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  const total = totalText(page.total) ?? String(page.items.length);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Conflicts</h1>
          <p>
            Requests that reused an idempotency key with a different payload. They were refused; nothing ran
            twice. Open one to compare the payloads.
          </p>
        </div>
        <div className="actions-row">
          <WindowNav base="/conflicts" current={msParam(params.from) === undefined ? name : null} />
          <AutoRefresh seconds={30} />
        </div>
      </div>
      <h2>
        <span data-testid="conflict-count">{total}</span> conflict{total === '1' ? '' : 's'} since{' '}
        <Time ms={from} />
        {to === undefined ? '' : ' in the overview’s window'}
      </h2>
      {page.items.length === 0 ? (
        <div className="card">
          <Empty title="No conflicts recorded.">
            <p>A conflict appears here when a key comes back with a different payload.</p>
          </Empty>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="responsive">
            <caption className="visually-hidden">Conflicts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Key</th>
                <th scope="col">Caller</th>
                <th scope="col">Route</th>
                <th scope="col">Client got</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((r) => (
                <tr key={r.id}>
                  <td data-label="When">
                    <Time ms={r.at} short />
                  </td>
                  <KeyCell keyId={r.keyId} name={r.key} anchor="#conflicts" />
                  <td data-label="Caller">{r.caller ?? r.scope}</td>
                  <td data-label="Route" className="mono proc">
                    {r.route ?? r.procedure}
                  </td>
                  <td data-label="Client got">
                    {r.status ?? '—'} {r.reason ?? ''}
                  </td>
                  <RequestIdCell id={r.id} requestId={r.requestId} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager base="/conflicts" params={current} nextCursor={page.nextCursor} label="Conflicts" />
    </>
  );
}
