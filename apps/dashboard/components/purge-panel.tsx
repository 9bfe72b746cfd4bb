'use client';
// Purge expired keys (D5): starts the purge on the API, then polls its progress until it is done, showing
// it as a progress bar and in words for screen readers.
import { useRouter } from 'next/navigation';
import { useActionState, useEffect, useState } from 'react';
import { type PurgeState, startPurge } from '../app/actions';
import type { PurgeJobView } from '../lib/api';

export function PurgePanel({
  csrf,
  expired,
  latest,
  operation,
}: {
  csrf: string;
  /** The idempotency key of this purge request, minted when the page rendered. */
  operation: string;
  expired: number;
  latest: PurgeJobView | null;
}) {
  const router = useRouter();
  const [state, action, pending] = useActionState<PurgeState, FormData>(startPurge, { status: 'idle' });
  const [job, setJob] = useState<PurgeJobView | null>(latest);
  const [pollError, setPollError] = useState<string | null>(null);

  useEffect(() => {
    if (state.status === 'started') setJob(state.job);
  }, [state]);

  const running = job?.state === 'running';
  const jobId = job?.id;
  useEffect(() => {
    if (!running || jobId === undefined) return;
    let stopped = false;
    const poll = async () => {
      try {
        const res = await fetch(`/api/purge?id=${encodeURIComponent(jobId)}`, { cache: 'no-store' });
        const body = (await res.json()) as { job?: PurgeJobView | null; error?: string };
        if (stopped) return;
        if (!res.ok || body.job === undefined) throw new Error(body.error ?? `status ${res.status}`);
        setPollError(null);
        setJob(body.job);
        if (body.job?.state !== 'running') router.refresh();
      } catch (error) {
        if (!stopped) setPollError(error instanceof Error ? error.message : String(error));
      }
    };
    const timer = setInterval(() => void poll(), 400);
    void poll();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [running, jobId, router]);

  const total = Math.max(job?.expiredBefore ?? 0, job?.deleted ?? 0, 1);
  return (
    <div>
      <p>
        <strong data-testid="expired-count">{expired}</strong> expired key{expired === 1 ? '' : 's'} waiting
        to be purged. Purging deletes them in batches of 500; requests are never held up.
      </p>
      <form action={action}>
        <input type="hidden" name="csrf" value={csrf} />
        <input type="hidden" name="operation" value={operation} />
        <button type="submit" disabled={pending || running}>
          {running ? 'Purging…' : pending ? 'Starting…' : 'Purge expired keys'}
        </button>
      </form>
      {state.status === 'error' ? (
        <p className="notice error" role="alert">
          {state.message}
        </p>
      ) : null}
      {pollError ? (
        <p className="notice error" role="alert">
          Could not read the purge&apos;s progress: {pollError}
        </p>
      ) : null}
      {job ? (
        <div style={{ marginTop: '1rem' }} data-testid="purge-progress">
          <label>
            {job.state === 'running'
              ? 'Purge in progress'
              : job.state === 'done'
                ? 'Last purge'
                : 'Last purge failed'}
            <progress
              className="progress"
              max={total}
              value={job.state === 'running' ? job.deleted : total}
            />
          </label>
          <p role="status" aria-live="polite">
            {job.state === 'running'
              ? `Deleted ${job.deleted} of about ${job.expiredBefore} (batch ${job.batches})…`
              : job.state === 'done'
                ? `Done: deleted ${job.deleted} expired key${job.deleted === 1 ? '' : 's'} in ${job.batches} batch${job.batches === 1 ? '' : 'es'}, started by ${job.actor}.`
                : `Failed after deleting ${job.deleted}: ${job.error ?? 'unknown error'}.`}
          </p>
        </div>
      ) : null}
    </div>
  );
}
