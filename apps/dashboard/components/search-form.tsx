// The one search form of the Requests and Keys pages (D1): a box for what the customer quotes, and filters by the
// names people use. On a phone only the box shows; the other filters fold away (open when one is set).
import Link from 'next/link';
import { STATE_LABELS, DECISION_LABELS } from '../lib/format';
import { DECISIONS, type Filters, PAGE_SIZES, refined, STATES } from '../lib/search';

export interface DirectoryView {
  callers: { id: string; name: string }[];
  procedures: { path: string; names: string[] }[];
}

export function SearchForm({
  mode,
  filters: f,
  directory,
}: {
  mode: 'requests' | 'keys';
  filters: Filters;
  directory: DirectoryView;
}) {
  const action = mode === 'requests' ? '/requests' : '/keys';
  const routes = [
    ...new Set(directory.procedures.flatMap((p) => [...p.names.filter((n) => n.includes('/')), p.path])),
  ];
  return (
    <section className="card" aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <search>
        <form className="search" method="get" action={action}>
          <div className="search-main">
            <label>
              {mode === 'requests' ? 'Key, request id or natural id' : 'Key'}
              <input
                name="q"
                type="search"
                defaultValue={f.q}
                placeholder="e.g. 7f1c0b9e…, req-…, ap-100024"
                spellCheck={false}
                autoComplete="off"
              />
            </label>
            <button type="submit">Search</button>
          </div>
          <details className="more-filters" open={refined(f)}>
            <summary>More filters</summary>
            <div className="filters">
              <label>
                Match
                <select name="match" defaultValue={f.match}>
                  <option value="">Exact, else contains</option>
                  <option value="exact">Exact only</option>
                  <option value="contains">Key contains</option>
                </select>
              </label>
              <label>
                <span>
                  Route or procedure <span className="hint">(route, path or product)</span>
                </span>
                <input
                  name="route"
                  defaultValue={f.route}
                  list="known-routes"
                  placeholder="e.g. POST /v1/usage"
                  spellCheck={false}
                  autoComplete="off"
                />
              </label>
              <label>
                <span>
                  Caller <span className="hint">(name, key label or id)</span>
                </span>
                <input
                  name="caller"
                  defaultValue={f.caller}
                  list="known-callers"
                  placeholder="e.g. Demo Shop A"
                  spellCheck={false}
                  autoComplete="off"
                />
              </label>
              <label>
                <span>
                  Status <span className="hint">(409, 4xx, 500-599)</span>
                </span>
                <input name="status" defaultValue={f.status} inputMode="text" spellCheck={false} />
              </label>
              {mode === 'requests' ? (
                <label>
                  Decision
                  <select name="decision" defaultValue={f.decision}>
                    <option value="">Any decision</option>
                    {DECISIONS.map((d) => (
                      <option key={d} value={d}>
                        {DECISION_LABELS[d]}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
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
              )}
              <label>
                <span>
                  Payload field <span className="hint">(field = value)</span>
                </span>
                <input
                  name="field"
                  defaultValue={f.field}
                  placeholder="e.g. order_id = ord_1"
                  spellCheck={false}
                  autoComplete="off"
                />
              </label>
              <label>
                <span>
                  From <span className="hint">(UTC)</span>
                </span>
                <input type="datetime-local" name="from" defaultValue={f.from} step={1} />
              </label>
              <label>
                <span>
                  Before <span className="hint">(UTC)</span>
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
              {f.procedure ? <input type="hidden" name="procedure" value={f.procedure} /> : null}
              {f.naturalId ? <input type="hidden" name="naturalId" value={f.naturalId} /> : null}
            </div>
          </details>
          <datalist id="known-routes">
            {routes.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
          <datalist id="known-callers">
            {directory.callers.map((c) => (
              <option key={c.id} value={c.name} />
            ))}
          </datalist>
          <p className="actions-row search-links">
            <Link href={action} prefetch={false}>
              Clear
            </Link>
          </p>
        </form>
      </search>
    </section>
  );
}
