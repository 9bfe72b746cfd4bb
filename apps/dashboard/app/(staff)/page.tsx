// Overview (D4): requests and what was decided for them over a window (one count per request, however many keys it
// claims), possible duplicates, and the keys that need attention now. Every count links to the list of exactly
// those requests over exactly this window, so the numbers agree.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../components/auto-refresh';
import { type BarSeries, DecisionBars } from '../../components/decision-bars';
import { adminApi } from '../../lib/api';
import { formatRate, WINDOWS, type WindowName, windowOf } from '../../lib/format';
import { WindowNav } from '../../components/window-nav';
import { requireStaff } from '../../lib/session';

export const metadata: Metadata = { title: 'Overview' };

const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

const SERIES = [
  { key: 'first_call', label: 'First calls', colour: '#2f4bbd' },
  { key: 'replay', label: 'Replays', colour: '#14653b' },
  { key: 'conflict', label: 'Conflicts', colour: '#a3191d' },
  { key: 'in_flight', label: 'In-flight refusals', colour: '#7a4d00' },
  { key: 'refused', label: 'Refused (bad or missing key)', colour: '#6b3fa0' },
  { key: 'duplicate', label: 'Refused as duplicates', colour: '#b4236a' },
  { key: 'unprotected', label: 'Without a key', colour: '#454c56' },
] as const;

export default async function OverviewPage({ searchParams }: { searchParams: Promise<{ window?: string }> }) {
  const staff = await requireStaff();
  const name: WindowName = windowOf((await searchParams).window);
  const { windowMs, bucketMs, label } = WINDOWS[name];
  const s = await adminApi(staff).overview.query({ windowMs, bucketMs });
  const r = s.requests;
  const t = r.totals;
  // The window these counts cover, exactly: lists opened from here show the same requests.
  const window = `from=${r.from}&to=${r.now + 1}`;
  const list = (decision?: string) => `/requests?${decision ? `decision=${decision}&` : ''}${window}`;
  const rate = (n: number) => (t.requests === 0 ? 0 : n / t.requests);
  const duplicates = s.possibleDuplicates.payload + s.possibleDuplicates.natural;
  const series: BarSeries[] = SERIES.map((x) => ({
    ...x,
    values: r.buckets.map((b) => b[x.key]),
    href: x.key === 'conflict' ? `/conflicts?${window}` : list(x.key),
  }));
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Overview</h1>
          <p>
            {label} of requests, in UTC; one count per request.{' '}
            {t.requests === 0 ? 'Nothing yet in this window.' : null}
          </p>
        </div>
        <div className="actions-row">
          <WindowNav base="/" current={name} />
          <AutoRefresh seconds={30} />
        </div>
      </div>

      <dl className="grid stats">
        <div className="stat">
          <dt>Requests</dt>
          <dd>
            <Link href={list()} data-testid="total-requests" prefetch={false}>
              {t.requests.toLocaleString('en')}
            </Link>
            <small>{plural(t.first_call, 'first call')} ran</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Replays</dt>
          <dd>
            <Link href={list('replay')} data-testid="total-replay" prefetch={false}>
              {t.replay.toLocaleString('en')}
            </Link>
            <small>
              <span data-testid="replay-rate">{formatRate(rate(t.replay))}</span> of requests
            </small>
          </dd>
        </div>
        <div className="stat">
          <dt>Conflicts</dt>
          <dd>
            <Link href={`/conflicts?${window}`} data-testid="total-conflict" prefetch={false}>
              {t.conflict.toLocaleString('en')}
            </Link>
            <small>
              <span data-testid="conflict-rate">{formatRate(rate(t.conflict))}</span> of requests
            </small>
          </dd>
        </div>
        <div className="stat">
          <dt>In-flight refusals</dt>
          <dd>
            <Link href={list('in_flight')} data-testid="total-in-flight" prefetch={false}>
              {t.in_flight.toLocaleString('en')}
            </Link>
            <small>duplicates refused while the first ran</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Refused</dt>
          <dd>
            <Link href={list('refused')} data-testid="total-refused" prefetch={false}>
              {t.refused.toLocaleString('en')}
            </Link>
            <small>bad or missing key; {plural(t.duplicate, 'duplicate')} of another key</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Possible duplicates</dt>
          <dd>
            <Link href={`/duplicates?window=${name}`} data-testid="possible-duplicates" prefetch={false}>
              {duplicates.toLocaleString('en')}
            </Link>
            <small>
              {plural(s.possibleDuplicates.payload, 'payload')} under other keys,{' '}
              {plural(s.possibleDuplicates.natural, 'natural id')}
            </small>
          </dd>
        </div>
        <div className="stat">
          <dt>Keys in flight now</dt>
          <dd>
            <span data-testid="in-flight-now">
              <Link href="/keys?state=in_flight" prefetch={false}>
                {s.inFlightNow}
              </Link>
            </span>
            <small>{s.stuckNow === 0 ? 'none stuck' : `${s.stuckNow} with an ended lease (stuck)`}</small>
          </dd>
        </div>
        <div className="stat">
          <dt>Expiring in the next hour</dt>
          <dd>
            <span data-testid="expiring-soon">{s.expiringWithinHour}</span>
            <small>
              <Link href="/keys?state=expired" prefetch={false}>
                {s.expiredNow} expired
              </Link>
              , awaiting purge
            </small>
          </dd>
        </div>
      </dl>

      <DecisionBars
        title="Requests over time, by decision"
        bucketMs={r.bucketMs}
        starts={r.buckets.map((b) => b.start)}
        series={series}
      >
        <p className="detail">
          Each chart has its own scale, so a few conflicts stay visible next to many first calls.{' '}
          {plural(t.unprotected, 'request')} ran without a key.
        </p>
      </DecisionBars>
    </>
  );
}
