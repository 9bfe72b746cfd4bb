import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default mergeConfig(
  sourceResolution,
  defineProject({
    test: {
      name: 'dashboard',
      include: ['lib/**/*.test.ts'],
      // Start from a known environment: no production settings leak in from the shell.
      env: { IDEM_MODE: 'demo', IDEM_DASHBOARD_USERS: '', IDEM_SESSION_SECRET: 'x'.repeat(40) },
    },
    resolve: {
      // Next.js resolves 'server-only' itself; outside Next it is the empty module it stands for.
      alias: {
        'server-only': fileURLToPath(
          new URL('../../node_modules/next/dist/compiled/server-only/empty.js', import.meta.url),
        ),
      },
    },
  }),
);
