// Actions (D5, admin only): release a key whose holder is stuck, purge expired keys. Every action is written
// to the audit log by the API.
import type { Metadata } from 'next';
import Link from 'next/link';
import { AutoRefresh } from '../../../components/auto-refresh';
import { Empty, ReleasedNotice, Time } from '../../../components/bits';
import { Countdown } from '../../../components/countdown';
import { PurgePanel } from '../../../components/purge-panel';
import { mintKey } from '@idem/trpc/client';
import { ReleaseButton } from '../../../components/release-button';
import { adminApi } from '../../../lib/api';
import { csrfToken, requireStaff } from '../../../lib/session';

export const metadata: Metadata = { title: 'Actions' };

export default async function ActionsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const staff = await requireStaff();
  if (staff.role !== 'admin') {
    return (
      <div className="card" role="alert">
        <h1>Actions are for admins</h1>
        <p>
          You are signed in as <strong>{staff.user}</strong> with the support role, which is read-only. Ask an
          admin to release a key or purge expired keys.
        </p>
        <Link prefetch={false} href="/keys">
          Back to the keys
        </Link>
      </div>
    );
  }
  const api = adminApi(staff);
  const [inFlight, overview, latest] = await Promise.all([
    api.keys.query({ state: 'in_flight', order: 'oldest', limit: 50 }),
    api.overview.query({ windowMs: 3_600_000, bucketMs: 3_600_000 }),
    api.purge.status.query({}),
  ]);
  const csrf = csrfToken(staff);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Actions</h1>
          <p>Release a stuck key; purge expired keys. Each action is recorded in the audit log.</p>
        </div>
        <AutoRefresh seconds={5} />
      </div>
      <ReleasedNotice params={await searchParams} />

      <section className="card" aria-labelledby="held-title">
        <h2 id="held-title">
          Keys in flight ({inFlight.items.length}
          {inFlight.nextCursor ? '+' : ''})
        </h2>
        <p>
          A key is stuck when its holder died: its lease ends and the next retry takes over by itself. Release
          a key only when a retry must run now.
        </p>
        {inFlight.items.length === 0 ? (
          <Empty title="No key is in flight.">
            <p>Nothing to release.</p>
          </Empty>
        ) : (
          <section className="table-wrap" aria-labelledby="held-title">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Caller</th>
                  <th scope="col" className="hide-narrow">
                    Lease holder
                  </th>
                  <th scope="col">Lease ends</th>
                  <th scope="col" className="hide-narrow">
                    Since
                  </th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {inFlight.items.map((k) => (
                  <tr key={k.id} data-key={k.key}>
                    <td className="key-cell mono">
                      <Link prefetch={false} href={`/keys/${k.id}`}>
                        {k.key}
                      </Link>
                      <div className="detail">{k.procedure}</div>
                    </td>
                    <td className="nowrap">{k.scope}</td>
                    <td className="hide-narrow mono proc">{k.leaseOwner ?? '—'}</td>
                    <td>
                      {k.leaseExpiresAt === null ? (
                        '—'
                      ) : (
                        <>
                          {k.leaseExpiresAt <= inFlight.now ? (
                            <span className="badge failed">stuck</span>
                          ) : null}{' '}
                          <Countdown until={k.leaseExpiresAt} now={inFlight.now} />
                        </>
                      )}
                    </td>
                    <td className="hide-narrow">
                      <Time ms={k.createdAt} now={inFlight.now} />
                    </td>
                    <td>
                      <ReleaseButton
                        scope={k.scope}
                        procedure={k.procedure}
                        keyName={k.key}
                        csrf={csrf}
                        leaseLive={k.leaseExpiresAt !== null && k.leaseExpiresAt > inFlight.now}
                        returnTo="/actions"
                        operation={mintKey()}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        )}
      </section>

      <section className="card" aria-labelledby="purge-title">
        <h2 id="purge-title">Purge expired keys</h2>
        <PurgePanel csrf={csrf} expired={overview.expiredNow} latest={latest} operation={mintKey()} />
      </section>
    </>
  );
}
