// Overview (D4): what happened to keys over time, and what needs attention now.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../components/auto-refresh';
import { TrafficChart } from '../../components/traffic-chart';
import { adminApi } from '../../lib/api';
import { formatRate } from '../../lib/format';
import { requireStaff } from '../../lib/session';

export const metadata: Metadata = { title: 'Overview' };

const WINDOWS = {
  '1h': { label: 'Last hour', windowMs: 3_600_000, bucketMs: 300_000 },
  '6h': { label: 'Last 6 hours', windowMs: 6 * 3_600_000, bucketMs: 900_000 },
  '24h': { label: 'Last 24 hours', windowMs: 24 * 3_600_000, bucketMs: 3_600_000 },
  '7d': { label: 'Last 7 days', windowMs: 7 * 24 * 3_600_000, bucketMs: 6 * 3_600_000 },
} as const;
type WindowName = keyof typeof WINDOWS;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ window?: string }> }) {
  const staff = await requireStaff();
  const asked = (await searchParams).window;
  const name: WindowName = asked !== undefined && asked in WINDOWS ? (asked as WindowName) : '24h';
  const { windowMs, bucketMs, label } = WINDOWS[name];
  const s = await adminApi(staff).overview.query({ windowMs, bucketMs });
  const requests =
    s.totals.begin + s.totals.takeover + s.totals.replay + s.totals.conflict + s.totals.inFlight;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Overview</h1>
          <p>
            {label} of keyed requests, in UTC. {requests === 0 ? 'Nothing yet in this window.' : null}
          </p>
        </div>
        <div className="actions-row">
          <nav aria-label="Time window" className="actions-row">
            {(Object.keys(WINDOWS) as WindowName[]).map((w) => (
              <Link
                key={w}
                href={`/?window=${w}`}
                className={`button${w === name ? '' : ' secondary'}`}
                aria-current={w === name ? 'true' : undefined}
              >
                {w}
              </Link>
            ))}
          </nav>
          <AutoRefresh seconds={15} />
        </div>
      </div>

      <dl className="grid stats">
        <div className="stat">
          <dt>First calls</dt>
          <dd>
            <span data-testid="total-begin">{s.totals.begin}</span>
            <small>{plural(s.totals.takeover, 'lease takeover')}</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Replay rate</dt>
          <dd>
            <span data-testid="replay-rate">{formatRate(s.replayRate)}</span>
            <small>{plural(s.totals.replay, 'replay')}</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Conflict rate</dt>
          <dd>
            <span data-testid="conflict-rate">{formatRate(s.conflictRate)}</span>
            <small>{plural(s.totals.conflict, 'conflict')}</small>
          </dd>
        </div>
        <div className="stat">
          <dt>In-flight refusals</dt>
          <dd>
            <span data-testid="total-in-flight">{s.totals.inFlight}</span>
            <small>duplicates refused while the first ran</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Keys in flight now</dt>
          <dd>
            <span data-testid="in-flight-now">
              <Link href="/keys?state=in_flight">{s.inFlightNow}</Link>
            </span>
            <small>{s.stuckNow === 0 ? 'none stuck' : `${s.stuckNow} with an ended lease (stuck)`}</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Expiring in the next hour</dt>
          <dd>
            <span data-testid="expiring-soon">{s.expiringWithinHour}</span>
            <small>
              <Link href="/keys?state=expired">{s.expiredNow} expired</Link>, awaiting purge
            </small>
          </dd>
        </div>
      </dl>

      <div className="grid two-col">
        <TrafficChart
          title="First calls and replays"
          bucketMs={s.bucketMs}
          buckets={s.buckets}
          series={[
            { key: 'begin', label: 'First calls', colour: '#2f4bbd' },
            { key: 'replay', label: 'Replays', colour: '#1f9d55' },
          ]}
        />
        <TrafficChart
          title="Conflicts and in-flight refusals"
          bucketMs={s.bucketMs}
          buckets={s.buckets}
          series={[
            { key: 'conflict', label: 'Conflicts', colour: '#c0262d' },
            { key: 'inFlight', label: 'In-flight refusals', colour: '#c27803' },
          ]}
        />
      </div>
    </>
  );
}
