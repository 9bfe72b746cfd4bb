// The benchmark's child processes: the tRPC server and the load generator, each in its own process (two cores:
// one serves, one generates load), and the microbenchmarks afterwards on a quiet machine.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { untilListening } from './listening.ts';
import type { LoadJob, LoadResult } from './load/protocol.ts';
import type { MicroResult } from './micro.ts';
import type { ServerConfig } from './server/main.ts';

const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface ServerProcess {
  readonly url: string;
  stop(): Promise<void>;
}

// The server and the microbenchmarks load idem as users do, from the packages' builds (dist/, made by `npm run
// build`, which `npm run bench` runs first): the sources through tsx measure tsx too (it wraps every closure made
// per call to keep its name, some 10 µs per first call).
const BUILT = ['--import', 'tsx'];

export async function startServer(config: ServerConfig): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...BUILT, entry('./server/main.ts')], {
    env: { ...process.env, BENCH_SERVER: JSON.stringify(config), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await untilListening(
    child,
    (code, out) => new Error(`bench server exited (${code}) before listening: ${out}`),
  );
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface LoadGenerator {
  run(job: LoadJob): Promise<LoadResult>;
  stop(): Promise<void>;
}

export function startLoadGenerator(): Promise<LoadGenerator> {
  const child: ChildProcess = fork(entry('./load/main.ts'), [], {
    execArgv: ['--conditions=idem-source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', () =>
      resolve({
        run: (job) =>
          new Promise((done, fail) => {
            child.once('message', (m: { ok: true; result: LoadResult } | { ok: false; error: string }) =>
              m.ok ? done(m.result) : fail(new Error(m.error)),
            );
            child.send(job);
          }),
        async stop() {
          child.send('stop');
          await exited;
        },
      }),
    );
  });
}

export function runMicro(quick: boolean | 'smoke'): Promise<MicroResult> {
  const child = spawn(process.execPath, [...BUILT, entry('./micro.ts')], {
    env: {
      ...process.env,
      BENCH_QUICK: quick === 'smoke' ? 'smoke' : quick ? '1' : '0',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) reject(new Error(`microbenchmarks failed (${code}): ${out}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as MicroResult);
    });
  });
}

/** Deletes every Redis key of one run (`idem-bench-<runId>…`, the prefix the server is given). */
export async function cleanRedis(url: string, runId: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*idem-bench-${runId}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
