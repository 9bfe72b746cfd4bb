// K4 across processes: four OS processes fire 50 concurrent begins each at the same key, round after round,
// against one PostgreSQL. Every key must be executed exactly once in all.
import { migrate as migratePg } from '../src/pg.ts';
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestPostgres, type TestPostgres } from '@idem/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROCESSES = 4;
const CONCURRENCY = 50;
const ROUNDS = 100;

describe('multi-process', () => {
  let database: TestPostgres;
  let children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await createTestPostgres({ migrate: migratePg });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await database.drop();
  });

  it(`K4: ${PROCESSES} processes × ${CONCURRENCY} concurrent begins on the same keys, ${ROUNDS} rounds → exactly one execute per key`, async () => {
    const script = fileURLToPath(new URL('./fixtures/begin-storm.ts', import.meta.url));
    children = Array.from({ length: PROCESSES }, () =>
      fork(script, [], {
        execArgv: ['--conditions=idem-source', '--import', 'tsx'],
        env: { ...process.env, DATABASE_URL: database.url, CONCURRENCY: String(CONCURRENCY) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));

    const executesPerRound: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // A barrier per round: every process fires its begins for this key together.
      const answers = await Promise.all(
        children.map(
          (c) =>
            new Promise<{ executes: number; kinds: string[] }>((resolve) => {
              c.once('message', resolve as (m: unknown) => void);
              c.send({ round });
            }),
        ),
      );
      executesPerRound.push(answers.reduce((sum, a) => sum + a.executes, 0));
      for (const a of answers)
        expect(a.kinds.every((k) => ['execute', 'in_flight', 'replay'].includes(k))).toBe(true);
    }
    for (const c of children) c.send('stop');
    await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));

    expect(executesPerRound).toEqual(Array.from({ length: ROUNDS }, () => 1));
    // And the database agrees: one completed key per round, never taken over.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ n: string; max_fence: number; completed: string }>(
      `SELECT count(*) AS n, max(fence) AS max_fence, count(*) FILTER (WHERE status = 'completed') AS completed FROM idem_keys`,
    );
    await client.end();
    expect(rows[0]).toEqual({ n: String(ROUNDS), max_fence: 1, completed: String(ROUNDS) });
  }, 180_000);
});
