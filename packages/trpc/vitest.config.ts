import { defineProject, mergeConfig } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default mergeConfig(
  sourceResolution,
  defineProject({
    test: {
      name: 'trpc',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      // The public generics (test/*.test-d.ts) are checked by tsc: a lost type fails as a test.
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  }),
);
