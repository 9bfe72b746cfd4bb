// The benchmark's smoke run, so that `npm test` keeps it working: every arm of the quick matrix (1 KB, at 10
// connections here) for one very short round, the duplicate storms, the microbenchmarks, and a profile of a first
// call on each store rendered as flame graphs, each in the processes `npm run bench` and `npm run
// bench:profile` use. It checks what a run must produce and that every arm did the work it claims (one run, and
// one row for the insert, per answered first call; none for a replay or a refusal); it asserts no speed: speed
// lives in bench/results/ only.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMatrix, LAYERS } from './arms.ts';
import type { ArmSummary, Target } from './report/summary.ts';
import type { StormResult } from './storms.ts';

const bench = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'idem-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs one of the bench's entry points to its end; rejects with its output if it fails. */
function run(entry: string, args: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=idem-source', '--import', 'tsx', entry, ...args], {
    cwd: bench,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${entry} exited with ${code}:\n${output}`)),
    );
  });
}

interface Results {
  summaries: ArmSummary[];
  goals: Target[];
  storms: StormResult[];
  micro: { engineCpuUs: { firstCall: number } } | null;
}

describe('npm run bench, smoke run', () => {
  it('measures every arm, each doing exactly the work its scenario calls for, and writes the reports', async () => {
    const results = join(out, 'bench');
    await run('src/main.ts', ['--smoke', '--out', results]);
    const { summaries, goals, storms, micro } = JSON.parse(
      readFileSync(join(results, 'results.json'), 'utf8'),
    ) as Results;

    const expected = buildMatrix({ payloads: [1024], connections: [10], refusalPayloads: [1024] });
    expect(summaries.map((s) => s.id).sort()).toEqual(expected.map((a) => a.id).sort());
    for (const s of summaries) {
      // The server's count, not the load generator's: a 0.3 s run on a busy machine may see no answer in time.
      expect(s.work.calls, s.id).toBeGreaterThan(0);
      expect(s.work.problem, s.id).toBeNull();
      expect(s.work.fair, s.id).toBe(true);
      // Powertools 2.35 replays the first answer to another payload (see server/peers.ts): its one known miss.
      const allowed = s.arm.layer === 'powertools' && s.arm.scenario === 'conflict' ? ['200'] : [];
      expect(
        Object.keys(s.unexpected).filter((k) => !allowed.includes(k)),
        s.id,
      ).toEqual([]);
      if (s.arm.layer !== 'none') expect(s.addedCpuUs, s.id).not.toBeNull();
    }
    // The first calls of the insert wrote their rows: the fairness check is not vacuous.
    const firstInserts = summaries.filter((s) => s.arm.mutation === 'insert' && s.arm.scenario === 'first');
    expect(firstInserts).toHaveLength(LAYERS.length);
    for (const s of firstInserts) expect(s.work.rows, s.id).toBeGreaterThan(0);

    // Every target of issue 13 is measured (met or not: a smoke run on a busy machine says nothing of speed).
    expect(goals.length).toBeGreaterThanOrEqual(10);
    for (const g of goals.filter((x) => !x.name.startsWith('every replay at 10 KB')))
      expect(g.measured, g.name).not.toBeNull();

    for (const s of storms.filter((x) => x.layer !== 'node-idempotency' && x.layer !== 'powertools'))
      expect(s.doubled, `${s.layer} storms of ${s.size}`).toBe(0);
    expect(micro?.engineCpuUs.firstCall).toBeGreaterThan(0);

    const markdown = readFileSync(join(results, 'results.md'), 'utf8');
    expect(markdown).toContain('## Server CPU added per request over the bare mutation');
    expect(markdown).toContain('Every arm did exactly the work its scenario calls for');
    expect(readFileSync(join(results, 'chart.svg'), 'utf8')).toContain('<svg');
  });

  it('profiles a first call on each store and renders each profile as a flame graph', async () => {
    const profiles = join(out, 'profile');
    await run('src/profile-main.ts', [
      '--quick',
      '--seconds',
      '0.5',
      '--warmup',
      '0.2',
      '--connections',
      '10',
      '--out',
      profiles,
    ]);
    const summary = readFileSync(join(profiles, 'profiles.md'), 'utf8');
    for (const layer of ['none', 'memory', 'sqlite', 'pg', 'pgtx', 'redis']) {
      const svg = join(profiles, `flame-${layer}.svg`);
      expect(existsSync(svg), svg).toBe(true);
      const text = readFileSync(svg, 'utf8');
      expect(text).toMatch(/^<svg /);
      // idem's own frames are there, named, for every store but the bare insert.
      if (layer !== 'none') expect(text).toContain('idem core (@idem/core)');
      expect(summary).toContain(`(flame-${layer}.svg)`);
    }
  });

  it("measures each of idem's features in one process and writes the table", async () => {
    const layers = join(out, 'layers');
    await run('src/layers-main.ts', ['--quick', '--blocks', '1', '--out', layers]);
    const { rows } = JSON.parse(readFileSync(join(layers, 'layers.json'), 'utf8')) as {
      rows: { id: string; p50: number }[];
    };
    expect(rows.map((r) => r.id)).toEqual([
      'none',
      ...['first', 'replay'].flatMap((s) =>
        ['idem', 'noLog', 'noEvents', 'bytes', 'lean'].map((v) => `${v}/${s}`),
      ),
    ]);
    for (const r of rows) expect(r.p50, r.id).toBeGreaterThan(0);
    expect(readFileSync(join(layers, 'layers.md'), 'utf8')).toContain('| request log off | first |');
  });
});
