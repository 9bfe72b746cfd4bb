// The API's PostgreSQL connections terminated again and again (pg_terminate_backend, as a failover, a pooler or
// an administrator does) while several API processes are under load, duplicates included. No process exits;
// every answer is a 2xx (a replay among them), a 409 or a 503 STORE_UNAVAILABLE, never a stored 500; and once the
// refused operations are retried, the database holds exactly one row per operation.
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '@idem/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcesses } from './lib/api-processes.ts';
import { type RawRequest, type RawResponse, rawSend } from './lib/raw-http.ts';
import { SIZE } from './lib/size.ts';
import { JUDGE_APPLICATION, openSql, type Sql } from './lib/sql.ts';
import { triggerRequest, usageRequest } from './lib/storm.ts';
import { mapLimit, until } from './lib/wait.ts';

interface Operation {
  key: string;
  door: 'usage' | 'trigger';
  request: RawRequest;
}

interface Answer {
  key: string;
  status: number;
  code: string | undefined;
  body: string;
}

const statusOf = (r: { status: number; json: unknown }) => ({
  status: r.status,
  code: (r.json as { error?: { code?: string } } | undefined)?.error?.code,
});

/** No answer in time is an answer too: a process that stopped serving must fail the test, not hang it. */
const ANSWER_WITHIN_MS = 30_000;
function answerWithin(url: string, request: RawRequest): Promise<RawResponse> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    rawSend(url, request),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)),
        ANSWER_WITHIN_MS,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('PostgreSQL connections terminated under load', () => {
  let database: TestDatabase;
  let sql: Sql;
  let apis: ApiProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    const opened = await database.open();
    await opened.prisma.$disconnect();
    if (opened.provider === 'postgresql') await opened.pool.end();
    sql = await openSql(database.url);
    apis = await startApiProcesses(SIZE.terminate.processes, {
      databaseUrl: database.url,
      leaseMs: SIZE.leaseMs,
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.stop()));
    await sql?.close();
    await database?.drop();
  });

  it(`K8/K11: ${SIZE.terminate.operations}+ operations on ${SIZE.terminate.processes} processes while their connections are terminated every ${SIZE.terminate.everyMs} ms (${SIZE.terminate.rounds}+ times): no process exits, no 500, one row per operation`, async () => {
    const tag = `terminate-${crypto.randomUUID().slice(0, 8)}`;
    const operations: Operation[] = [];
    const nextOperation = (): Operation => {
      const i = operations.length;
      const key = `${tag}-${i}`;
      const op: Operation =
        i % 2 === 0
          ? { key, door: 'usage', request: usageRequest(key, key) }
          : { key, door: 'trigger', request: triggerRequest(key, key) };
      operations.push(op);
      return op;
    };
    const databaseName = new URL(database.url).pathname.slice(1);

    // Terminates every connection the API processes hold on this database (never the judge's own), again and
    // again, until the load is done.
    let loadDone = false;
    let rounds = 0;
    let terminated = 0;
    const terminator = (async () => {
      while (!loadDone) {
        const rows = await sql.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
           WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
          databaseName,
          JUDGE_APPLICATION,
        );
        rounds++;
        terminated += rows.filter((r) => r.ok).length;
        await sleep(SIZE.terminate.everyMs);
      }
    })();

    // Every operation goes to one process; one in four is sent twice at once to another (a client's retry that
    // overtook its first attempt): one of the two runs, the other is a replay or a 409. The load lasts for at
    // least its operations and its rounds of terminations, however fast the machine.
    const answers: Answer[] = [];
    // Once a process has stopped answering, the rest is not sent: the test fails in seconds, not in hours.
    let stalled = false;
    const send = async (op: Operation, api: ApiProcess): Promise<void> => {
      if (stalled) {
        answers.push({ key: op.key, status: 0, code: 'not sent: a process stopped answering', body: '' });
        return;
      }
      try {
        const r = await answerWithin(api.url, op.request);
        answers.push({ key: op.key, ...statusOf(r), body: r.body.slice(0, 300) });
      } catch (error) {
        stalled = true;
        answers.push({ key: op.key, status: 0, code: String(error), body: '' });
      }
    };
    try {
      const enough = () =>
        stalled || (operations.length >= SIZE.terminate.operations && rounds >= SIZE.terminate.rounds);
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (!enough()) {
            const op = nextOperation();
            const i = operations.length - 1;
            const first = apis[i % apis.length]!;
            const second = apis[(i + 1) % apis.length]!;
            await Promise.all(i % 4 === 0 ? [send(op, first), send(op, second)] : [send(op, first)]);
          }
        }),
      );
    } finally {
      loadDone = true;
      await terminator;
    }

    // No process exited, and none logged the unhandled 'error' event that used to end one.
    expect(apis.map((a) => [a.child.exitCode, a.child.signalCode])).toEqual(apis.map(() => [null, null]));
    expect(
      apis.filter((a) => /Unhandled 'error' event|uncaughtException/.test(a.log())).map((a) => a.url),
    ).toEqual([]);
    expect(rounds).toBeGreaterThanOrEqual(SIZE.terminate.rounds);
    expect(terminated).toBeGreaterThan(0);

    const statuses: Record<string, number> = {};
    for (const a of answers) {
      const label = a.status >= 200 && a.status < 300 ? '2xx' : `${a.status} ${a.code ?? ''}`.trim();
      statuses[label] = (statuses[label] ?? 0) + 1;
    }
    const unexpected = answers.filter(
      (a) =>
        !(a.status >= 200 && a.status < 300) &&
        a.status !== 409 &&
        !(a.status === 503 && a.code === 'STORE_UNAVAILABLE'),
    );
    expect(unexpected, JSON.stringify(statuses)).toEqual([]);
    expect(statuses['503 STORE_UNAVAILABLE'] ?? 0, 'the terminations caught no request').toBeGreaterThan(0);

    // Retry every operation that got no 2xx with its own key and payload, as a client would, until it has one:
    // a 409 while a lease cut by a termination runs out, then the stored outcome or the one run.
    const loadEndedAt = performance.now();
    const succeeded = new Set(answers.filter((a) => a.status >= 200 && a.status < 300).map((a) => a.key));
    const refused = operations.filter((op) => !succeeded.has(op.key));
    const retried = await mapLimit(refused, 16, (op, i) =>
      until(
        `operation ${op.key} to succeed on retry`,
        async () => {
          const r = await answerWithin(apis[i % apis.length]!.url, op.request);
          return r.status >= 200 && r.status < 300 ? r : null;
        },
        SIZE.leaseMs + 30_000,
      ),
    );
    expect(retried).toHaveLength(refused.length);

    // The database is the judge: one row per operation, and every row belongs to a key completed with that row.
    const usage = await sql.query<{ key: string; n: number }>(
      'SELECT internal_usage_id AS key, count(*)::int AS n FROM usage_records WHERE internal_usage_id LIKE $1 GROUP BY 1',
      `${tag}-%`,
    );
    const runs = await sql.query<{ key: string; n: number }>(
      'SELECT subscriber_id AS key, count(*)::int AS n FROM workflow_runs WHERE subscriber_id LIKE $1 GROUP BY 1',
      `${tag}-%`,
    );
    const rows = new Map([...usage, ...runs].map((r) => [r.key, r.n]));
    expect(rows.size).toBe(operations.length);
    expect([...rows.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    const unrecorded = await sql.query(
      `SELECT r.id FROM (
         SELECT id, internal_usage_id AS key FROM usage_records WHERE internal_usage_id LIKE $1
         UNION ALL SELECT id, subscriber_id FROM workflow_runs WHERE subscriber_id LIKE $1
       ) r
       LEFT JOIN idem_keys k ON k."key" = r.key AND k.status = 'completed' AND k.outcome_body LIKE '%' || r.id || '%'
       WHERE k.id IS NULL`,
      `${tag}-%`,
    );
    expect(unrecorded).toEqual([]);
    console.log(
      `[reliability] terminate: ${answers.length} requests on ${apis.length} processes, ${terminated} connections ` +
        `terminated in ${rounds} rounds, statuses ${JSON.stringify(statuses)}, ${refused.length} retried ` +
        `(in ${Math.round(performance.now() - loadEndedAt)} ms)`,
    );
  }, 600_000);
});
