// How big the reliability runs are. `npm test` runs the reduced size (a couple of minutes on two cores);
// `npm run test:reliability` sets IDEM_RELIABILITY=full.
export const FULL = process.env.IDEM_RELIABILITY === 'full';

export const SIZE = FULL
  ? {
      /** Same-key requests per storm → rounds of it. */
      storms: { 2: 200, 10: 100, 100: 30 } as Record<number, number>,
      memoryStormRounds: 10,
      crashLoadRequests: 400,
      leaseMs: 3_000,
      outageDownMs: 3_000,
      purgeKeys: 1_000_000,
      fuzzRuns: 2_000,
      /** pg_terminate_backend under load: API processes, operations (at least), every ms, rounds (at least). */
      terminate: { processes: 4, operations: 13_000, everyMs: 1_000, rounds: 30 },
    }
  : {
      storms: { 2: 30, 10: 15, 100: 6 } as Record<number, number>,
      memoryStormRounds: 3,
      crashLoadRequests: 120,
      leaseMs: 3_000,
      outageDownMs: 1_500,
      purgeKeys: 50_000,
      fuzzRuns: 300,
      terminate: { processes: 3, operations: 400, everyMs: 250, rounds: 20 },
    };
