// `idem purge`: deletes expired keys (D5). The app runs the purge in the background, in batches, and reports its
// progress to the store; the CLI starts it (or joins the one already running, from any process) and follows its
// status until it ends, with a progress bar on a terminal.
import type { PurgeJob } from '@idem/admin';
import cliProgress from 'cli-progress';
import type { AdminClient } from '../admin-client.ts';
import { CliError } from '../cli-error.ts';
import type { Output } from '../output.ts';
import { formatDuration, formatTime } from '../time.ts';

/** How often the purge's status is asked for: its batches take milliseconds, people read in tenths of seconds. */
const POLL_MS = 250;
/**
 * A purge whose count has not moved for this long has lost its process (the app restarted): say so rather than
 * wait forever. The app itself takes a job unreported for a minute for dead and lets a new purge start.
 */
const STALLED_MS = 90_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A progress bar on stderr, or nothing where no one watches (a pipe, --json). */
function progressBar(out: Output) {
  if (!out.interactive) return null;
  return new cliProgress.SingleBar(
    {
      format: 'Purging expired keys |{bar}| {value}/{total} keys · batch {batches}',
      stream: out.stderr as NodeJS.WritableStream,
      hideCursor: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
}

export async function purge(client: AdminClient, out: Output, actor: string): Promise<void> {
  let job: PurgeJob | null = await client.purge.start.mutate();
  const c = out.color;
  if (job.actor !== actor && job.state === 'running')
    out.text(c.dim(`Joining the purge ${job.actor} started at ${formatTime(job.startedAt)} UTC.`));

  const bar = progressBar(out);
  const total = (j: PurgeJob) => Math.max(j.expiredBefore, j.deleted, 1);
  bar?.start(total(job), job.deleted, { batches: job.batches });
  let lastMove = Date.now();
  try {
    while (job.state === 'running') {
      await pause(POLL_MS);
      const next: PurgeJob | null = await client.purge.status.query({ id: job.id });
      if (next === null) throw new CliError('failed', `the purge ${job.id} is no longer known to the app`);
      if (next.deleted !== job.deleted || next.state !== 'running') lastMove = Date.now();
      else if (Date.now() - lastMove > STALLED_MS)
        throw new CliError(
          'failed',
          `the purge stopped reporting progress after ${next.deleted} keys (its process may have ended); run idem purge again`,
        );
      job = next;
      bar?.setTotal(total(job));
      bar?.update(job.deleted, { batches: job.batches });
    }
  } finally {
    bar?.stop();
  }

  if (job.state === 'failed')
    throw new CliError(
      'failed',
      `the purge failed after deleting ${job.deleted} keys: ${job.error ?? 'no reason given'}`,
    );
  out.data(job);
  const took = job.finishedAt === null ? '' : ` in ${formatDuration(job.finishedAt - job.startedAt)}`;
  out.text(
    `${c.green('Purged')} ${job.deleted} expired key${job.deleted === 1 ? '' : 's'} in ${job.batches} batch${job.batches === 1 ? '' : 'es'}${took}.`,
  );
}
