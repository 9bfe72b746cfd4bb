// The heading over a list of search results (requests or keys): how many matched, the CSV export of the same
// search, and focus moved to it after a search (FocusResults).
import { FocusResults } from './focus-results';

export function ResultsHead({
  kind,
  count,
  empty,
  searched,
  contains,
  shared,
}: {
  kind: 'requests' | 'keys';
  /** The total as shown ("1", "about 2,000", "10,000 or more"); null when nothing matched. */
  count: string | null;
  /** Whether any filter is set: the heading says "matching" and focus moves here. */
  searched: boolean;
  /** Whether the text matched as part of a key, not exactly. */
  contains: boolean;
  /** The search as URL parameters, for the export and to move focus once per search. */
  shared: string;
  empty: string;
}) {
  const noun = kind === 'requests' ? 'request' : 'key';
  return (
    <>
      <div className="results-head">
        <h2 id="results-title" tabIndex={-1}>
          {count === null ? empty : `${count} ${noun}${count === '1' ? '' : 's'}`}
          {searched ? ' matching' : ''}
          {contains ? <span className="hint"> (no exact match: keys containing it)</span> : null}
        </h2>
        {count !== null ? (
          <a
            className="button secondary"
            href={`/api/export?kind=${kind}${shared ? `&${shared}` : ''}`}
            download
          >
            Export CSV
          </a>
        ) : null}
      </div>
      <FocusResults targetId="results-title" when={searched ? shared : ''} />
    </>
  );
}
