// Purging expired keys on request (D5) runs in the background, in bounded batches, and reports its progress to
// the store, so any process (a second API process, the dashboard's next poll, the CLI) sees it. One purge at a
// time: a second request, from any process, joins the running one. Each finished purge is audited with the
// expired count before and after.
import type { Engine } from '@idem/core';
import type { IdempotencyAdmin, StaffJob } from '@idem/core/admin';
import type { Staff } from './access.ts';

/** Keys deleted per statement: small, so request traffic is never held up, and progress moves visibly. */
export const PURGE_BATCH_SIZE = 500;

/** A purge as staff see it. */
export interface PurgeJob {
  id: string;
  actor: string;
  state: StaffJob['state'];
  startedAt: number;
  finishedAt: number | null;
  /** Expired keys when the purge started (on the store's clock). */
  expiredBefore: number;
  deleted: number;
  batches: number;
  error: string | null;
}

interface PurgeProgress {
  expiredBefore: number;
  deleted: number;
  batches: number;
}

function view(job: StaffJob): PurgeJob {
  const p = (job.progress ?? {}) as Partial<PurgeProgress>;
  return {
    id: job.id,
    actor: job.actor,
    state: job.state,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    expiredBefore: p.expiredBefore ?? 0,
    deleted: p.deleted ?? 0,
    batches: p.batches ?? 0,
    error: job.error,
  };
}

/** Starts a purge, or returns the one already running. */
export async function startPurge(engine: Engine, admin: IdempotencyAdmin, staff: Staff): Promise<PurgeJob> {
  const before = await admin.stats({ windowMs: 60_000, bucketMs: 60_000 });
  const progress: PurgeProgress = { expiredBefore: before.expiredNow, deleted: 0, batches: 0 };
  const { job, started } = await admin.startJob({
    type: 'purge',
    actor: staff.actor,
    progress: { ...progress },
  });
  if (!started) return view(job);
  const run = async () => {
    let state: 'done' | 'failed' = 'done';
    let error: string | null = null;
    let reported: Promise<unknown> = Promise.resolve();
    try {
      await engine.purgeExpired({
        batchSize: PURGE_BATCH_SIZE,
        onProgress: (p) => {
          progress.deleted = p.deleted;
          progress.batches = p.batches;
          // One report at a time; a slow store skips intermediate ones rather than queue them.
          reported = reported.then(() =>
            admin.updateJob(job.id, { progress: { ...progress } }).catch(() => {}),
          );
        },
      });
    } catch (cause) {
      state = 'failed';
      error = cause instanceof Error ? cause.message : String(cause);
    }
    await reported;
    const after = await admin.stats({ windowMs: 60_000, bucketMs: 60_000 }).catch(() => null);
    // The job reads as finished only once its audit entry is written, so whoever saw it finish finds it there.
    await admin
      .appendAudit({
        actor: staff.actor,
        role: staff.role,
        action: 'keys.purge',
        target: null,
        before: { expiredKeys: progress.expiredBefore },
        after: {
          state,
          deleted: progress.deleted,
          batches: progress.batches,
          expiredKeys: after?.expiredNow ?? null,
          error,
        },
      })
      .catch((e: unknown) => console.error('[idem] could not write the purge to the audit log:', e));
    await admin
      .updateJob(job.id, { state, progress: { ...progress }, error })
      .catch((e: unknown) => console.error('[idem] could not record the end of a purge:', e));
  };
  void run();
  return view(job);
}

/** A purge by id, or the latest one when no id is given; null when unknown. */
export async function purgeJob(admin: IdempotencyAdmin, id?: string): Promise<PurgeJob | null> {
  const job = await admin.job(id === undefined ? { latestOfType: 'purge' } : { id });
  return job === undefined || job.type !== 'purge' ? null : view(job);
}
