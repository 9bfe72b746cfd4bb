// Requests (D1, D7): every request idem decided on, found from what the customer has: a request id, a key or part
// of one, a natural id, the route they called, their name, a status, what was decided, a payload field, a time.
// Each row leads to the request as it was answered and to its key's story. Shareable URLs, CSV export.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../../components/auto-refresh';
import { DecisionBadge, Empty, Pager, Time } from '../../../components/bits';
import { ResultsHead } from '../../../components/results-head';
import { SearchForm } from '../../../components/search-form';
import { adminApi } from '../../../lib/api';
import { filterParams, filtered, readFilters, requestInput, totalText } from '../../../lib/search';
import { KeyCell, RequestIdCell } from '../../../components/request-cells';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Requests' };

type Params = Record<string, string | string[] | undefined>;

export default async function RequestsPage({ searchParams }: { searchParams: Promise<Params> }) {
  const staff = await requireStaff();
  const params = await searchParams;
  const f = readFilters(params);
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const api = adminApi(staff);
  const [page, directory] = await Promise.all([
    api.requests.query(requestInput(f, cursor)),
    api.directory.query(),
  ]);
  const current = filterParams(f);
  const shared = current.toString();
  if (cursor !== undefined) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  const total = totalText(page.total);
  const count = total ?? String(page.items.length);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Requests</h1>
          <p>Every request idem answered, as the client got it. Times are UTC.</p>
        </div>
        <AutoRefresh seconds={15} />
      </div>

      <SearchForm mode="requests" filters={f} directory={directory} />

      <section aria-labelledby="results-title">
        <ResultsHead
          kind="requests"
          count={page.items.length === 0 ? null : count}
          empty="No requests"
          searched={filtered(f)}
          contains={page.matched === 'contains'}
          shared={shared}
        />
        {page.resolved.procedures && page.resolved.procedures.length > 1 ? (
          <p className="detail">
            Route or procedure matched: {page.resolved.procedures.slice(1).join(', ') || 'none'}
          </p>
        ) : null}
        {page.items.length === 0 ? (
          <div className="card">
            <Empty title={filtered(f) ? 'No request matches these filters.' : 'No requests logged yet.'}>
              <p>
                {filtered(f)
                  ? 'Try “contains” for part of a key, a wider time range, or fewer filters. Requests are kept 30 days.'
                  : 'Requests appear here as soon as a caller reaches an idempotent route.'}
              </p>
            </Empty>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="responsive">
              <caption className="visually-hidden">
                Requests, {f.order === 'newest' ? 'newest' : 'oldest'} first
              </caption>
              <thead>
                <tr>
                  <th scope="col">When (UTC)</th>
                  <th scope="col">Decision</th>
                  <th scope="col">Status</th>
                  <th scope="col">Route</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Key</th>
                  <th scope="col">Request id</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((r) => (
                  <tr key={r.id} data-decision={r.decision}>
                    <td data-label="When">
                      <Time ms={r.at} short />
                    </td>
                    <td data-label="Decision">
                      <DecisionBadge decision={r.decision} />
                      {r.reason && r.decision !== 'first_call' ? (
                        <div className="detail">{r.reason}</div>
                      ) : null}
                    </td>
                    <td data-label="Status">{r.status ?? '—'}</td>
                    <td data-label="Route" className="mono proc">
                      {r.route ?? r.procedure}
                    </td>
                    <td data-label="Caller">{r.caller ?? r.scope}</td>
                    <KeyCell keyId={r.keyId} name={r.key} />
                    <RequestIdCell id={r.id} requestId={r.requestId} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager base="/requests" params={current} nextCursor={page.nextCursor} label="Requests" />
        <p className="detail">
          <Link href={`/keys${shared ? `?${shared}` : ''}`} prefetch={false}>
            Show the keys of this search instead
          </Link>
        </p>
      </section>
    </>
  );
}
