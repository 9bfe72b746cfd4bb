// Purging expired keys on request (D5) runs in the background, in bounded batches, so the dashboard can show
// its progress by polling. One purge at a time per engine: a second request joins the running one. Each
// finished purge (done or failed) is written to the audit log with the expired count before and after.
import { randomUUID } from 'node:crypto';
import type { Engine, IdempotencyAdmin } from '@idem/core';
import type { Staff } from './staff.ts';

export interface PurgeJob {
  id: string;
  actor: string;
  state: 'running' | 'done' | 'failed';
  startedAt: number;
  finishedAt: number | null;
  /** Expired keys when the purge started (on the store's clock). */
  expiredBefore: number;
  deleted: number;
  batches: number;
  error: string | null;
}

interface Jobs {
  latest: PurgeJob | null;
}

const jobsByEngine = new WeakMap<Engine, Jobs>();
const jobsOf = (engine: Engine): Jobs => {
  let jobs = jobsByEngine.get(engine);
  if (jobs === undefined) {
    jobs = { latest: null };
    jobsByEngine.set(engine, jobs);
  }
  return jobs;
};

/** Keys deleted per statement: small, so request traffic is never held up, and progress moves visibly. */
export const PURGE_BATCH_SIZE = 500;

/**
 * Starts a purge, or returns the one already running.
 *
 * @example
 * const job = await startPurge(engine, admin, { actor: 'ann', role: 'admin' });
 * // poll purgeJob(engine, job.id) until job.state !== 'running'
 */
export async function startPurge(engine: Engine, admin: IdempotencyAdmin, staff: Staff): Promise<PurgeJob> {
  const jobs = jobsOf(engine);
  if (jobs.latest?.state === 'running') return { ...jobs.latest };
  const before = await admin.stats({ windowMs: 60_000, bucketMs: 60_000 });
  const job: PurgeJob = {
    id: randomUUID(),
    actor: staff.actor,
    state: 'running',
    startedAt: before.now,
    finishedAt: null,
    expiredBefore: before.expiredNow,
    deleted: 0,
    batches: 0,
    error: null,
  };
  jobs.latest = job;
  const run = async () => {
    let state: PurgeJob['state'] = 'done';
    try {
      await engine.purgeExpired({
        batchSize: PURGE_BATCH_SIZE,
        onProgress: (progress) => {
          job.deleted = progress.deleted;
          job.batches = progress.batches;
        },
      });
    } catch (error) {
      state = 'failed';
      job.error = error instanceof Error ? error.message : String(error);
    }
    const after = await admin.stats({ windowMs: 60_000, bucketMs: 60_000 }).catch(() => null);
    // The job reads as finished only once its audit entry is written, so whoever saw it finish finds it there.
    await admin
      .appendAudit({
        actor: staff.actor,
        role: staff.role,
        action: 'keys.purge',
        target: null,
        before: { expiredKeys: job.expiredBefore },
        after: {
          state,
          deleted: job.deleted,
          batches: job.batches,
          expiredKeys: after?.expiredNow ?? null,
          error: job.error,
        },
      })
      .catch((error: unknown) => console.error('[api] could not write the purge to the audit log:', error));
    job.finishedAt = after?.now ?? null;
    job.state = state;
  };
  void run();
  return { ...job };
}

/** A purge by id, or the latest one when no id is given; null when unknown. */
export function purgeJob(engine: Engine, id?: string): PurgeJob | null {
  const latest = jobsOf(engine).latest;
  if (latest === null || (id !== undefined && latest.id !== id)) return null;
  return { ...latest };
}
