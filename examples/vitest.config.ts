import { defineProject } from 'vitest/config';

// The examples as their users run them: each is copied outside the workspace, given idem's packages as packed
// tarballs (npm pack, as the registry would serve them), installed with npm, compiled with its own plain tsc
// and run with plain node. Nothing resolves to the workspace's sources here.
export default defineProject({
  test: {
    name: 'examples',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/pack.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    // Installs and builds share two cores with everything else: one example at a time.
    fileParallelism: false,
  },
});
