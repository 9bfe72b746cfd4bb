// Counts per bucket of time as small bar charts, one per series, each on its own scale: a series of three conflicts
// next to ten thousand first calls is still visible (on one shared scale it would be flat). Plain SVG drawn on the
// server (no script), labelled for screen readers, with the same numbers as a table.
import type { ReactNode } from 'react';

export interface BarSeries {
  key: string;
  label: string;
  colour: string;
  /** One count per bucket. */
  values: readonly number[];
  /** Where the total links to (the list of exactly these requests). */
  href?: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const label = (ms: number, withDay: boolean) => {
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return withDay ? `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)} ${time}` : time;
};

function Bars({
  series,
  starts,
  withDay,
}: {
  series: BarSeries;
  starts: readonly number[];
  withDay: boolean;
}) {
  const max = Math.max(1, ...series.values);
  const width = 300;
  const height = 64;
  const step = width / Math.max(1, series.values.length);
  const total = series.values.reduce((a, b) => a + b, 0);
  return (
    <svg
      viewBox={`0 0 ${width} ${height + 14}`}
      className="bars"
      role="img"
      aria-label={`${series.label} per period: ${total} in all, at most ${max === 1 && total === 0 ? 0 : max} in one period`}
      preserveAspectRatio="none"
    >
      <line x1="0" y1={height} x2={width} y2={height} className="axis" />
      {series.values.map((v, i) => {
        // Any non-zero count gets at least a visible sliver.
        const h = v === 0 ? 0 : Math.max(2, (v / max) * (height - 4));
        return (
          <rect
            key={starts[i]}
            x={i * step + step * 0.12}
            y={height - h}
            width={step * 0.76}
            height={h}
            fill={series.colour}
          >
            <title>{`${label(starts[i]!, withDay)}: ${v}`}</title>
          </rect>
        );
      })}
      <text x="0" y={height + 12} className="tick">
        {starts.length > 0 ? label(starts[0]!, withDay) : ''}
      </text>
      <text x={width} y={height + 12} className="tick" textAnchor="end">
        {starts.length > 0 ? label(starts.at(-1)!, withDay) : ''}
      </text>
      <text x={width} y="10" className="tick" textAnchor="end">
        max {max === 1 && total === 0 ? 0 : max}
      </text>
    </svg>
  );
}

export function DecisionBars({
  title,
  bucketMs,
  starts,
  series,
  children,
}: {
  title: string;
  bucketMs: number;
  starts: readonly number[];
  series: readonly BarSeries[];
  children?: ReactNode;
}) {
  const withDay = bucketMs * starts.length > 86_400_000;
  return (
    <section className="card" aria-labelledby="bars-title">
      <h2 id="bars-title">{title}</h2>
      {children}
      <ul className="small-multiples">
        {series.map((s) => {
          const total = s.values.reduce((a, b) => a + b, 0);
          return (
            <li key={s.key} data-series={s.key}>
              <h3>
                <span className="swatch" style={{ background: s.colour }} aria-hidden="true" />
                {s.label}:{' '}
                {s.href ? (
                  <a href={s.href} data-testid={`chart-total-${s.key}`}>
                    {total}
                  </a>
                ) : (
                  <span data-testid={`chart-total-${s.key}`}>{total}</span>
                )}
              </h3>
              <Bars series={s} starts={starts} withDay={withDay} />
            </li>
          );
        })}
      </ul>
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
              {starts.map((start, i) => (
                <tr key={start}>
                  <th scope="row">{label(start, withDay)}</th>
                  {series.map((s) => (
                    <td key={s.key}>{s.values[i]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
