// The time window buttons of the Overview, Conflicts and Possible duplicates: one link per window, the current
// one marked (none when the page was opened with a custom start).
import Link from 'next/link';
import { WINDOWS, type WindowName } from '../lib/format';

export function WindowNav({ base, current }: { base: string; current: WindowName | null }) {
  return (
    <nav aria-label="Time window" className="actions-row">
      {(Object.keys(WINDOWS) as WindowName[]).map((w) => (
        <Link
          key={w}
          href={`${base}?window=${w}`}
          className={`button${w === current ? '' : ' secondary'}`}
          aria-current={w === current ? 'true' : undefined}
          prefetch={false}
        >
          {w}
        </Link>
      ))}
    </nav>
  );
}
