// Real API processes for the harness: spawned with tsx, each on its own port, killed politely or with SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { untilListening } from '../../src/listening.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/api-process.ts', import.meta.url));

export interface ApiProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGKILL: the process dies mid-request, holding whatever it held. */
  kill9(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** What the process wrote to stderr (the last 100 KB or so). */
  log(): string;
}

export interface ApiProcessOptions {
  databaseUrl: string;
  store?: 'sql' | 'memory';
  leaseMs?: number;
  env?: Record<string, string>;
}

export async function startApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--conditions=idem-source', '--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      IDEM_MODE: 'demo',
      IDEM_PURGE_INTERVAL_MS: '0',
      // Several processes per test, and test files in parallel: stay well under PostgreSQL's max_connections.
      IDEM_DB_POOL_SIZE: '4',
      IDEM_STORE_POOL_SIZE: '3',
      RELIABILITY_STORE: options.store ?? 'sql',
      ...(options.leaseMs !== undefined ? { IDEM_LEASE_MS: String(options.leaseMs) } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    // Outage tests provoke store errors on purpose; keep the log for a failed start, do not flood the run.
    if (log.length > 200_000) log = log.slice(-100_000);
  });
  const url = await untilListening(
    child,
    (code) => new Error(`API process exited (${code}) before listening:\n${log}`),
  );
  return {
    url,
    child,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    log: () => log,
  };
}

export async function startApiProcesses(count: number, options: ApiProcessOptions): Promise<ApiProcess[]> {
  return Promise.all(Array.from({ length: count }, () => startApiProcess(options)));
}
