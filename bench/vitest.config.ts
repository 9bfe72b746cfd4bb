import { defineProject } from 'vitest/config';

// The reliability harness at its reduced size (IDEM_RELIABILITY=full for `npm run test:reliability`). Its
// suites start processes and servers of their own and share two cores: run them one file at a time.
export default defineProject({
  test: {
    name: 'reliability',
    include: ['reliability/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
