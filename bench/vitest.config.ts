import { defineProject, mergeConfig } from 'vitest/config';
import { sourceResolution } from '../vitest.shared.ts';

// The reliability harness at its reduced size (IDEM_RELIABILITY=full for `npm run test:reliability`), and the
// benchmark's smoke run (src/smoke.test.ts). Their suites start processes and servers of their own and share two
// cores: run them one file at a time, and only once the other projects are done.
export default mergeConfig(
  sourceResolution,
  defineProject({
    test: {
      name: 'reliability',
      include: ['reliability/**/*.test.ts', 'src/**/*.test.ts'],
      testTimeout: 300_000,
      hookTimeout: 120_000,
      fileParallelism: false,
      // After every other project: its multi-process storms and the API suites' must not share two cores.
      sequence: { groupOrder: 1 },
    },
  }),
);
