// Audit log (D5): every action staff took, newest first: who, with which role, what, on which key, when,
// and the state before and after.
import type { Metadata } from 'next';
import { AutoRefresh } from '../../../components/auto-refresh';
import { Empty, Pager, Time } from '../../../components/bits';
import { adminApi } from '../../../lib/api';
import { requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Audit log' };

const ACTIONS: Record<string, string> = {
  'key.release': 'Released a key',
  'keys.purge': 'Purged expired keys',
};

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
            <p>Releasing a key or purging expired keys is recorded here.</p>
          </Empty>
        </div>
      ) : (
        <section className="table-wrap" aria-label="Audit log">
          <table>
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
                  <td>
                    <Time ms={e.at} short />
                  </td>
                  <td className="nowrap">
                    {e.actor} <span className="badge role">{e.role}</span>
                  </td>
                  <td>{ACTIONS[e.action] ?? e.action}</td>
                  <td className="key-cell mono">{e.target ?? 'all expired keys'}</td>
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
