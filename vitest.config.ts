// One Vitest run over every workspace project, so `npm test` reports one set of counts.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'bench', 'examples'],
  },
});
