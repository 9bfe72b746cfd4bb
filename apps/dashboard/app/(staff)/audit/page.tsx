// Audit log (D5): every action staff took, newest first: who, with which role, what, on which key, when,
// and the state before and after.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../../components/auto-refresh';
import { Empty, Pager, Time } from '../../../components/bits';
import { adminApi } from '../../../lib/api';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Audit log' };

const ACTIONS: Record<string, string> = {
  'key.release': 'Released a key',
  'key.void': 'Voided a key',
  'keys.purge': 'Purged expired keys',
};

/** The key an entry acted on: its record id, kept in `before`. Its story outlives the record. */
function keyIdOf(before: unknown): string | null {
  const id = (before as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

const json = (v: unknown) => (v === null ? '—' : JSON.stringify(v, null, 1).replace(/\n\s*/g, ' '));

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const staff = await requireStaff();
  const params = await searchParams;
  const cursor = typeof params.cursor === 'string' ? params.cursor : undefined;
  const page = await adminApi(staff).audit.query({ ...(cursor ? { cursor } : {}), limit: 50 });
  const current = new URLSearchParams();
  if (cursor) current.set('cursor', cursor);
  if (typeof params.trail === 'string') current.set('trail', params.trail);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p>Every action taken from the dashboard, newest first. Times are UTC.</p>
        </div>
        <AutoRefresh seconds={10} />
      </div>
      {page.items.length === 0 ? (
        <div className="card">
          <Empty title="No actions yet.">
            <p>Releasing or voiding a key and purging expired keys are recorded here.</p>
          </Empty>
        </div>
      ) : (
        <section className="table-wrap" aria-label="Audit log">
          <table className="responsive">
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Target</th>
                <th scope="col" className="hide-narrow">
                  Before
                </th>
                <th scope="col" className="hide-narrow">
                  After
                </th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td data-label="When">
                    <Time ms={e.at} short />
                  </td>
                  <td data-label="Who" className="nowrap">
                    {e.actor} <span className="badge role">{e.role}</span>
                  </td>
                  <td data-label="What">{ACTIONS[e.action] ?? e.action}</td>
                  <td data-label="Target" className="key-cell mono">
                    {e.target === null ? (
                      'all expired keys'
                    ) : keyIdOf(e.before) ? (
                      <Link href={`/keys/${keyIdOf(e.before)}`} prefetch={false}>
                        {e.target}
                      </Link>
                    ) : (
                      e.target
                    )}
                    {e.action === 'key.void' && (e.after as { reason?: string } | null)?.reason ? (
                      <div className="detail">Reason: {(e.after as { reason: string }).reason}</div>
                    ) : null}
                  </td>
                  <td className="hide-narrow mono">{json(e.before)}</td>
                  <td className="hide-narrow mono">{json(e.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <Pager base="/audit" params={current} nextCursor={page.nextCursor} label="Audit log" />
    </>
  );
}
