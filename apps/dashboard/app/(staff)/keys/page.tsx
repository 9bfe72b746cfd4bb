// Keys (D1): every stored idempotency key, found by what the customer quotes (the key or part of it, a request id
// made under it, its natural id), by route, caller, state, stored status, payload field and creation time; newest or
// oldest first; paged by cursor, so it stays fast on millions of keys; counted; exported as CSV.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../../components/auto-refresh';
import { Empty, Pager, StateBadge, Time } from '../../../components/bits';
import { ResultsHead } from '../../../components/results-head';
import { SearchForm } from '../../../components/search-form';
import { adminApi } from '../../../lib/api';
import { filterParams, filtered, keyInput, readFilters, totalText } from '../../../lib/search';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Keys' };

type Params = Record<string, string | string[] | undefined>;

export default async function KeysPage({ searchParams }: { searchParams: Promise<Params> }) {
  const staff = await requireStaff();
  const params = await searchParams;
  const f = readFilters(params);
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const api = adminApi(staff);
  const [page, directory] = await Promise.all([api.keys.query(keyInput(f, cursor)), api.directory.query()]);
  const current = filterParams(f);
  const shared = current.toString();
  if (cursor !== undefined) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  const flip = filterParams({ ...f, order: f.order === 'newest' ? 'oldest' : 'newest' });
  const total = totalText(page.total) ?? String(page.items.length);

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Keys</h1>
          <p>Every stored idempotency key. Times are UTC.</p>
        </div>
        <AutoRefresh seconds={15} />
      </div>

      <SearchForm mode="keys" filters={f} directory={directory} />

      <section aria-labelledby="results-title">
        <ResultsHead
          kind="keys"
          count={page.items.length === 0 ? null : total}
          empty="No keys"
          searched={filtered(f)}
          contains={page.matched === 'contains'}
          shared={shared}
        />
        {page.items.length === 0 ? (
          <div className="card">
            <Empty title={filtered(f) ? 'No key matches these filters.' : 'No keys stored yet.'}>
              <p>
                {filtered(f)
                  ? 'Try “contains” for part of a key, another state, or clear the filters. Expired keys are purged after a while.'
                  : 'Keys appear here as soon as a request with an idempotency key reaches the API.'}
              </p>
            </Empty>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="responsive">
              <caption className="visually-hidden">
                Keys, {f.order === 'newest' ? 'newest' : 'oldest'} first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">State</th>
                  <th scope="col">Caller</th>
                  <th scope="col">Procedure</th>
                  <th scope="col">Outcome</th>
                  <th scope="col" aria-sort={f.order === 'newest' ? 'descending' : 'ascending'}>
                    <Link href={`/keys?${flip.toString()}`} title="Change the sort order" prefetch={false}>
                      Created (UTC) {f.order === 'newest' ? '↓' : '↑'}
                      <span className="visually-hidden">
                        , sorted {f.order === 'newest' ? 'newest first' : 'oldest first'}; change
                      </span>
                    </Link>
                  </th>
                  <th scope="col">Expires (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((k) => (
                  <tr key={k.id}>
                    <td data-label="Key" className="key-cell mono">
                      <Link href={`/keys/${k.id}`} prefetch={false}>
                        {k.key}
                      </Link>
                    </td>
                    <td data-label="State">
                      <StateBadge state={k.state} />
                    </td>
                    <td data-label="Caller">{k.caller ?? k.scope}</td>
                    <td data-label="Procedure" className="mono proc">
                      {k.procedure}
                    </td>
                    <td data-label="Outcome">{k.outcomeStatus ?? '—'}</td>
                    <td data-label="Created">
                      <Time ms={k.createdAt} short />
                    </td>
                    <td data-label="Expires">
                      {k.expiresAt === null ? 'never' : <Time ms={k.expiresAt} short />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager base="/keys" params={current} nextCursor={page.nextCursor} label="Keys" />
        <p className="detail">
          <Link href={`/requests${shared ? `?${shared}` : ''}`} prefetch={false}>
            Show the requests of this search instead
          </Link>
        </p>
      </section>
    </>
  );
}
