import { defineProject, mergeConfig } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default mergeConfig(
  sourceResolution,
  defineProject({
    test: {
      name: 'cli',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: ['test/build.global.ts'],
      testTimeout: 60_000,
      hookTimeout: 240_000,
    },
  }),
);
