// The load generator: autocannon in a process of its own, so that generating load never competes with the
// server inside one event loop. Takes LoadJobs over IPC, one at a time, and answers each with a LoadResult.
import autocannon from 'autocannon';
import type { LoadJob, LoadResult } from './protocol.ts';

async function run(job: LoadJob): Promise<LoadResult> {
  const result = await autocannon({
    url: `${job.url}${job.path}`,
    method: 'POST',
    headers: job.headers,
    body: job.body,
    connections: job.connections,
    pipelining: 1,
    duration: job.seconds,
    timeout: 30,
    idReplacement: job.freshKeys,
    // autocannon stops at the first sample after the duration: sample often, so a run lasts what it was asked to.
    sampleInt: 100,
    ...(job.rate === undefined ? {} : { overallRate: job.rate }),
  });
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = count;
  return {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.mean,
    },
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  };
}

process.on('message', (job: LoadJob | 'stop') => {
  if (job === 'stop') process.exit(0);
  run(job).then(
    (result) => process.send!({ ok: true, result }),
    (error: unknown) => process.send!({ ok: false, error: String(error) }),
  );
});
process.send!('ready');
