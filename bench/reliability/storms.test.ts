// K4 under real concurrency: storms of 2, 10 and 100 same-key requests over four API processes on one
// PostgreSQL, every connection opened and written first and released in one tick, round after round. The
// database, not the responses, is the judge: each round's business row exists exactly once. The same harness
// on per-process memory stores must find double executions, or it could not find them anywhere.
import { createTestDatabase, type TestDatabase } from '@idem/api/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiProcess, startApiProcesses } from './lib/api-processes.ts';
import { SIZE } from './lib/size.ts';
import { openSql, type Sql } from './lib/sql.ts';
import { storm, triggerRequest, usageRequest } from './lib/storm.ts';

const PROCESSES = 4;

interface Tally {
  rounds: number;
  /** Rounds whose business row was written more than once. */
  doubled: number;
  /** Rounds with no business row at all (a lost write). */
  lost: number;
  /** Different 201 bodies per round, summed: a replay repeats the first answer byte for byte (K2). */
  distinctCreated: number;
  /** 201 answers (first calls and replays) and in-flight refusals (409). */
  succeeded: number;
  refused: number;
  /** Any other answer, by status: there should be none. */
  other: Record<number, number>;
}

async function rowsPer(db: Sql, table: 'usage' | 'trigger', ids: string[]): Promise<Map<string, number>> {
  const sql =
    table === 'usage'
      ? 'SELECT internal_usage_id AS id, count(*)::int AS n FROM usage_records WHERE internal_usage_id = ANY($1) GROUP BY 1'
      : 'SELECT subscriber_id AS id, count(*)::int AS n FROM workflow_runs WHERE subscriber_id = ANY($1) GROUP BY 1';
  const rows = await db.query<{ id: string; n: number }>(sql, ids);
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Runs `rounds` storms of `n` and counts, in the database, how many times each round's write happened. */
async function runStorms(apis: readonly ApiProcess[], db: Sql, n: number, rounds: number, tag: string) {
  const urls = apis.map((a) => a.url);
  const tally: Tally = {
    rounds,
    doubled: 0,
    lost: 0,
    distinctCreated: 0,
    succeeded: 0,
    refused: 0,
    other: {},
  };
  const ids: { table: 'usage' | 'trigger'; id: string }[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the two door kinds: a serialising policy (003) and a rejecting one (002).
    const table = round % 2 === 0 ? 'usage' : 'trigger';
    const id = `${tag}-${n}-${round}-${crypto.randomUUID()}`;
    const key = `storm-${id}`;
    const responses = await storm(
      urls,
      n,
      table === 'usage' ? usageRequest(key, id) : triggerRequest(key, id),
    );
    const bodies = new Set<string>();
    for (const r of responses) {
      if (r.status === 201) {
        tally.succeeded++;
        bodies.add(r.body);
      } else if (r.status === 409) tally.refused++;
      else tally.other[r.status] = (tally.other[r.status] ?? 0) + 1;
    }
    tally.distinctCreated += bodies.size;
    ids.push({ table, id });
  }
  for (const table of ['usage', 'trigger'] as const) {
    const mine = ids.filter((i) => i.table === table).map((i) => i.id);
    const counts = await rowsPer(db, table, mine);
    for (const id of mine) {
      const count = counts.get(id) ?? 0;
      if (count > 1) tally.doubled++;
      if (count === 0) tally.lost++;
    }
  }
  return tally;
}

describe('duplicate storms over four API processes', () => {
  let database: TestDatabase;
  let db: Sql;

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    // Migrated once here, so the processes start on a ready schema.
    const opened = await database.open();
    await opened.prisma.$disconnect();
    if (opened.provider === 'postgresql') await opened.pool.end();
    db = await openSql(database.url);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  describe('on PostgreSQL', () => {
    let apis: ApiProcess[] = [];
    beforeAll(async () => {
      apis = await startApiProcesses(PROCESSES, { databaseUrl: database.url });
    }, 120_000);
    afterAll(async () => {
      await Promise.all(apis.map((a) => a.stop()));
    });

    for (const [n, rounds] of Object.entries(SIZE.storms).map(([n, r]) => [Number(n), r] as const)) {
      it(`K4: storms of ${n} same-key requests × ${rounds} rounds → every write exactly once, counted in the database`, async () => {
        const tally = await runStorms(apis, db, n, rounds, 'pg');
        expect(tally).toMatchObject({ doubled: 0, lost: 0, other: {} });
        // One answer per round, repeated by every replay; the rest were in-flight refusals, never errors.
        expect(tally.distinctCreated).toBe(rounds);
        expect(tally.succeeded + tally.refused).toBe(rounds * n);
      }, 600_000);
    }
  });

  describe('on per-process memory stores (the harness must fail here)', () => {
    let apis: ApiProcess[] = [];
    beforeAll(async () => {
      apis = await startApiProcesses(PROCESSES, { databaseUrl: database.url, store: 'memory' });
    }, 120_000);
    afterAll(async () => {
      await Promise.all(apis.map((a) => a.stop()));
    });

    it('K4: the same storms find double executions when each process keeps its keys to itself', async () => {
      const rounds = SIZE.memoryStormRounds;
      const tally = await runStorms(apis, db, 10, rounds, 'memory');
      // Every storm reaches all four processes, each of which runs the request once: four rows a round.
      expect(tally.doubled).toBe(rounds);
      expect(tally.distinctCreated).toBe(rounds * PROCESSES);
    }, 300_000);
  });
});
