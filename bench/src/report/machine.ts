// Where and when a run happened: machine, Node, commit (and whether the tree had uncommitted changes), date,
// and the versions of everything compared.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface RunInfo {
  readonly date: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly node: string;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly os: string;
    readonly loadAverageAtStart: readonly number[];
  };
  readonly versions: Record<string, string>;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The version the bench resolves: its own node_modules first, then the root's. */
function versionOf(pkg: string): string {
  for (const dir of [`${root}bench/node_modules/`, `${root}node_modules/`]) {
    try {
      return (JSON.parse(readFileSync(`${dir}${pkg}/package.json`, 'utf8')) as { version: string }).version;
    } catch {
      // not installed here
    }
  }
  return 'unknown';
}

export function runInfo(): RunInfo {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain').length > 0,
    node: process.version,
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${platform()} ${release()}`,
      loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    versions: Object.fromEntries(
      [
        '@trpc/server',
        'ioredis',
        'autocannon',
        'tinybench',
        '@node-idempotency/core',
        '@node-idempotency/storage-adapter-redis',
        '@aws-lambda-powertools/idempotency',
        '@redis/client',
        '@prisma/client',
        'pg',
        'better-sqlite3',
      ].map((p) => [p, versionOf(p)]),
    ),
  };
}
