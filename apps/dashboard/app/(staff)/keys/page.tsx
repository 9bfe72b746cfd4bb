// Keys (D1): find a key by key or prefix, caller, procedure, state, natural id or creation time; newest or
// oldest first; paged by cursor, so it stays fast on millions of keys.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../../components/auto-refresh';
import { Empty, Pager, StateBadge, Time } from '../../../components/bits';
import { adminApi } from '../../../lib/api';
import { STATE_LABELS } from '../../../lib/format';
import { filtered, filterParams, PAGE_SIZES, readFilters, STATES, searchInput } from '../../../lib/search';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Keys' };

type Params = Record<string, string | string[] | undefined>;

export default async function KeysPage({ searchParams }: { searchParams: Promise<Params> }) {
  const staff = await requireStaff();
  const params = await searchParams;
  const f = readFilters(params);
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const page = await adminApi(staff).keys.query(searchInput(f, cursor));
  const current = filterParams(f);
  if (cursor !== undefined) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  const flip = filterParams({ ...f, order: f.order === 'newest' ? 'oldest' : 'newest' });

  return (
    <>
      <div className="page-head">
        <div>
          <h1>Keys</h1>
          <p>Every stored idempotency key. Times are UTC.</p>
        </div>
        <AutoRefresh seconds={10} />
      </div>

      <section className="card" aria-labelledby="search-title">
        <h2 id="search-title">Search</h2>
        <search>
          <form className="filters" method="get" action="/keys">
            <label>
              Key
              <input name="q" defaultValue={f.q} placeholder="e.g. order-1001" spellCheck={false} />
            </label>
            <label>
              Match
              <select name="match" defaultValue={f.match}>
                <option value="prefix">Key starts with</option>
                <option value="exact">Exact key</option>
              </select>
            </label>
            <label>
              Caller
              <input name="scope" defaultValue={f.scope} placeholder="e.g. demo-a" spellCheck={false} />
            </label>
            <label>
              Procedure
              <input
                name="procedure"
                defaultValue={f.procedure}
                placeholder="e.g. novu.events.trigger"
                spellCheck={false}
              />
            </label>
            <label>
              State
              <select name="state" defaultValue={f.state}>
                <option value="">Any state</option>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {STATE_LABELS[s]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Natural id
              <input
                name="naturalId"
                defaultValue={f.naturalId}
                placeholder="external_id, execution_id"
                spellCheck={false}
              />
            </label>
            <label>
              <span>
                Created from <span className="hint">(UTC)</span>
              </span>
              <input type="datetime-local" name="from" defaultValue={f.from} step={1} />
            </label>
            <label>
              <span>
                Created before <span className="hint">(UTC)</span>
              </span>
              <input type="datetime-local" name="to" defaultValue={f.to} step={1} />
            </label>
            <label>
              Sort
              <select name="order" defaultValue={f.order}>
                <option value="newest">Newest first</option>
                <option value="oldest">Oldest first</option>
              </select>
            </label>
            <label>
              Per page
              <select name="limit" defaultValue={f.limit || '50'}>
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
            <div className="actions-row">
              <button type="submit">Search</button>
              {filtered(f) ? (
                <Link className="button secondary" href="/keys">
                  Clear
                </Link>
              ) : null}
            </div>
          </form>
        </search>
      </section>

      <section aria-labelledby="results-title">
        <h2 id="results-title">
          {page.items.length === 0
            ? 'No keys'
            : `${page.items.length}${page.nextCursor ? '+' : ''} key${page.items.length === 1 ? '' : 's'}`}
          {filtered(f) ? ' matching' : ''}
        </h2>
        {page.items.length === 0 ? (
          <div className="card">
            <Empty title={filtered(f) ? 'No key matches these filters.' : 'No keys stored yet.'}>
              <p>
                {filtered(f)
                  ? 'Try a shorter key prefix, another state, or clear the filters. Expired keys are purged after a while.'
                  : 'Keys appear here as soon as a request with an idempotency key reaches the API.'}
              </p>
            </Empty>
          </div>
        ) : (
          <section className="table-wrap" aria-labelledby="results-title">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">State</th>
                  <th scope="col">Caller</th>
                  <th scope="col" className="hide-narrow">
                    Procedure
                  </th>
                  <th scope="col">Outcome</th>
                  <th scope="col" aria-sort={f.order === 'newest' ? 'descending' : 'ascending'}>
                    <Link href={`/keys?${flip.toString()}`} title="Change the sort order">
                      Created (UTC) {f.order === 'newest' ? '↓' : '↑'}
                      <span className="visually-hidden">
                        , sorted {f.order === 'newest' ? 'newest first' : 'oldest first'}; change
                      </span>
                    </Link>
                  </th>
                  <th scope="col" className="hide-narrow">
                    Expires (UTC)
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((k) => (
                  <tr key={k.id}>
                    <td className="key-cell mono">
                      <Link href={`/keys/${k.id}`}>{k.key}</Link>
                    </td>
                    <td>
                      <StateBadge state={k.state} />
                    </td>
                    <td className="nowrap">{k.scope}</td>
                    <td className="hide-narrow mono proc">{k.procedure}</td>
                    <td>{k.outcomeStatus ?? '—'}</td>
                    <td>
                      <Time ms={k.createdAt} short />
                    </td>
                    <td className="hide-narrow">
                      {k.expiresAt === null ? 'never' : <Time ms={k.expiresAt} short />}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
        <Pager base="/keys" params={current} nextCursor={page.nextCursor} label="Keys" />
      </section>
    </>
  );
}
