// Small presentational pieces shared by the pages: badges, times, empty states and pagers.
import Link from 'next/link';
import type { ReactNode } from 'react';
import { DECISION_LABELS, EVENT_LABELS, formatRelative, formatTime, STATE_LABELS } from '../lib/format';

export function StateBadge({ state }: { state: keyof typeof STATE_LABELS }) {
  return <span className={`badge ${state}`}>{STATE_LABELS[state]}</span>;
}

export function EventBadge({ type }: { type: string }) {
  // The in-flight event shares its name with the state; its own class keeps the colours apart.
  return (
    <span className={`badge ${type === 'in_flight' ? 'in_flight_event' : type}`}>
      {EVENT_LABELS[type] ?? type}
    </span>
  );
}

/** Colours a decision like the events it comes from. */
const DECISION_CLASS: Record<string, string> = {
  first_call: 'begin',
  replay: 'replay',
  conflict: 'conflict',
  in_flight: 'in_flight_event',
  refused: 'failed',
  duplicate: 'natural_duplicate',
  unprotected: 'expired',
};

export function DecisionBadge({ decision }: { decision: string }) {
  return (
    <span className={`badge ${DECISION_CLASS[decision] ?? ''}`}>{DECISION_LABELS[decision] ?? decision}</span>
  );
}

/**
 * An absolute UTC time, with how long ago it was (by the store's clock) when `now` is given. `short` leaves
 * out the zone, for table columns whose header names it.
 */
export function Time({ ms, now, short = false }: { ms: number | null; now?: number; short?: boolean }) {
  if (ms === null) return <span>—</span>;
  const iso = new Date(ms).toISOString();
  return (
    <time dateTime={iso} title={iso} className={short ? 'nowrap' : undefined}>
      {short ? formatTime(ms).replace(' UTC', '') : formatTime(ms)}
      {now !== undefined ? <span className="when"> ({formatRelative(ms, now)})</span> : null}
    </time>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/**
 * Cursor paging. Each page's link carries the cursors of the pages before it (`trail`), so "Previous"
 * works without the server remembering anything.
 */
export function Pager({
  base,
  params,
  nextCursor,
  label,
}: {
  base: string;
  params: URLSearchParams;
  nextCursor: string | null;
  label: string;
}) {
  const cursor = params.get('cursor');
  const trail = (params.get('trail') ?? '').split(',').filter(Boolean);
  const href = (c: string | null, t: string[]) => {
    const q = new URLSearchParams(params);
    q.delete('cursor');
    q.delete('trail');
    if (c !== null) q.set('cursor', c);
    if (t.length > 0) q.set('trail', t.slice(-20).join(','));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  };
  const previous = cursor === null ? null : href(trail.at(-1) ?? null, trail.slice(0, -1));
  const next = nextCursor === null ? null : href(nextCursor, cursor === null ? [] : [...trail, cursor]);
  if (previous === null && next === null) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      {cursor !== null ? (
        <Link href={href(null, [])} prefetch={false}>
          First page
        </Link>
      ) : null}
      {previous !== null ? (
        <Link href={previous} prefetch={false}>
          ← Previous page
        </Link>
      ) : null}
      {next !== null ? (
        <Link href={next} rel="next" prefetch={false}>
          Next page →
        </Link>
      ) : null}
    </nav>
  );
}

/** Says which key was just released (the release action comes back with ?released=…&owner=…). */
export function ReleasedNotice({ params }: { params: Record<string, string | string[] | undefined> }) {
  const key = typeof params.released === 'string' ? params.released : null;
  if (key === null) return null;
  const owner = typeof params.owner === 'string' ? params.owner : 'nobody';
  return (
    <p className="notice ok" role="status">
      Released &quot;{key}&quot; (held by {owner}). A retry will now run fresh; the release is in the audit
      log.
    </p>
  );
}

export function ErrorNotice({ message }: { message: string }) {
  return (
    <div className="notice error" role="alert">
      {message}
    </div>
  );
}

/**
 * A stored body or payload, as text. It scrolls when long, so it takes keyboard focus: a scrolling region a
 * keyboard cannot reach hides its content (WCAG 2.1.1; axe's scrollable-region-focusable).
 */
export function Payload({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable from the keyboard
    <pre className="payload" tabIndex={0} data-testid={testId}>
      {children}
    </pre>
  );
}

/** A wide table that scrolls sideways, reachable from the keyboard and named, for the same reason. */
export function ScrollingTable({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a div keeps the table's layout; role and name make it a landmark
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable from the keyboard
    <div className="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
