// Conflicts and natural duplicates (D3): newest first, each row leading to its key's story.
import Link from 'next/link';
import { adminApi } from '../lib/api';
import { naturalKind, storyHref } from '../lib/format';
import type { Session } from '../lib/session';
import { AutoRefresh } from './auto-refresh';
import { Empty, EventBadge, Pager, Time } from './bits';

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** The key holding a unique value: the middleware keeps it as the claim's JSON payload, e.g. `"c-1"`. */
function heldKey(heldBy: unknown): string {
  try {
    const parsed = JSON.parse(String(heldBy)) as unknown;
    return typeof parsed === 'string' ? parsed : String(heldBy);
  } catch {
    return String(heldBy);
  }
}

export async function Incidents({
  kind,
  staff,
  params,
  base,
  title,
  intro,
}: {
  kind: 'conflicts' | 'natural';
  staff: Session;
  params: Record<string, string | string[] | undefined>;
  base: string;
  title: string;
  intro: string;
}) {
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const page = await adminApi(staff).incidents.query({ kind, ...(cursor ? { cursor } : {}), limit: 50 });
  const current = new URLSearchParams();
  if (cursor) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{title}</h1>
          <p>{intro}</p>
        </div>
        <AutoRefresh seconds={10} />
      </div>
      {page.items.length === 0 ? (
        <div className="card">
          <Empty title={kind === 'conflicts' ? 'No conflicts recorded.' : 'No natural duplicates recorded.'}>
            <p>
              {kind === 'conflicts'
                ? 'A conflict appears here when a key comes back with a different payload.'
                : 'A natural duplicate appears here when a known external_id, execution_id or unique value comes back.'}
            </p>
          </Empty>
        </div>
      ) : (
        <section className="table-wrap" aria-label={title}>
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">{kind === 'conflicts' ? 'Event' : 'Kind'}</th>
                <th scope="col">Key</th>
                <th scope="col">Caller</th>
                <th scope="col">Procedure</th>
                <th scope="col">Answer</th>
                <th scope="col">Request id</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <tr key={e.id}>
                  <td data-label="When">
                    <Time ms={e.at} short />
                  </td>
                  <td data-label={kind === 'conflicts' ? 'Event' : 'Kind'}>
                    <EventBadge type={e.type} />
                    {kind === 'natural' ? <div className="detail">{naturalKind(e.type, e.kind)}</div> : null}
                  </td>
                  <td data-label="Key" className="key-cell mono">
                    <Link prefetch={false} href={storyHref(e)}>
                      {e.key}
                    </Link>
                    {e.type === 'natural_duplicate' && e.detail?.heldBy ? (
                      <div className="detail">
                        “{text(e.detail.value)}” already belongs to key{' '}
                        <Link
                          prefetch={false}
                          href={storyHref({ ...e, keyId: null, key: heldKey(e.detail.heldBy) })}
                        >
                          {heldKey(e.detail.heldBy)}
                        </Link>
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Caller" className="nowrap">
                    {e.scope}
                  </td>
                  <td data-label="Procedure" className="mono proc">
                    {e.procedure}
                  </td>
                  <td data-label="Answer">
                    {text(e.detail?.status)} {text(e.detail?.code)}
                  </td>
                  <td data-label="Request id" className="mono">
                    {e.requestId ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Pager base={base} params={current} nextCursor={page.nextCursor} label={title} />
    </>
  );
}
