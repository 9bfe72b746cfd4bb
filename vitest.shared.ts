// Shared by every Vitest project: workspace packages resolve to their TypeScript sources (the `idem-source`
// export condition), so suites test the code as written, without a build.
import { defaultServerConditions } from 'vite';

const conditions = ['idem-source', ...defaultServerConditions];

export const sourceResolution = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['idem-source'] } },
};
