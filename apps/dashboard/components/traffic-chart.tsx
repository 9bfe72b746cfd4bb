'use client';
// Counts per bucket of time as stacked bars (recharts), with the same numbers as a table for screen readers
// and for anyone who wants the exact figures.
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface Series {
  key: 'begin' | 'replay' | 'conflict' | 'inFlight';
  label: string;
  colour: string;
}

export interface Bucket {
  start: number;
  begin: number;
  replay: number;
  conflict: number;
  inFlight: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const label = (ms: number, withDay: boolean) => {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return withDay ? `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)} ${time}` : time;
};

export function TrafficChart({
  title,
  buckets,
  series,
  bucketMs,
}: {
  title: string;
  buckets: readonly Bucket[];
  series: readonly Series[];
  bucketMs: number;
}) {
  const withDay = bucketMs * buckets.length > 86_400_000;
  const data = buckets.map((b) => ({ ...b, label: label(b.start, withDay) }));
  const totals = series.map((s) => `${s.label}: ${buckets.reduce((n, b) => n + b[s.key], 0)}`).join(', ');
  return (
    <figure className="card" style={{ margin: 0 }}>
      <figcaption>
        <h2>{title}</h2>
      </figcaption>
      <div className="chart" role="img" aria-label={`${title} over time (UTC). Totals: ${totals}.`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} minTickGap={16} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
            <Tooltip />
            <Legend />
            {series.map((s) => (
              <Bar
                key={s.key}
                dataKey={s.key}
                name={s.label}
                stackId="counts"
                fill={s.colour}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>Show these numbers as a table</summary>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title} per period (UTC)</caption>
            <thead>
              <tr>
                <th scope="col">From (UTC)</th>
                {series.map((s) => (
                  <th scope="col" key={s.key}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.map((b) => (
                <tr key={b.start}>
                  <th scope="row">{b.label}</th>
                  {series.map((s) => (
                    <td key={s.key}>{b[s.key]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
