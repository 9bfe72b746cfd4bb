// What the runner and the load-generator process say to each other over IPC.

export interface LoadJob {
  readonly url: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly seconds: number;
  /** Replace `[<id>]` in headers and body with a fresh id per request (a new key each time). */
  readonly freshKeys: boolean;
  /** Requests per second over all connections (paced); as fast as answers come when absent. */
  readonly rate?: number;
}

export interface LoadResult {
  /** Completed requests per second over the run. */
  readonly rps: number;
  readonly requests: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly mean: number;
  };
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly seconds: number;
}
