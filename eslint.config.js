// typescript-eslint with the type-aware rules that catch what this codebase fears most: a promise nobody
// awaits (a lost write, an unhandled rejection), or a promise where a boolean was meant. Formatting and the
// rest of style are Biome's. The import-boundary rules below keep dependencies pointing one way (apps and
// examples → packages; trpc → core) and the runtime-neutral parts free of Node: a violation fails `npm test`.
import tseslint from 'typescript-eslint';

/** Imports a module of `files` may not make, with why. */
const boundary = (files, patterns, options = {}) => ({
  files,
  ...(options.ignores ? { ignores: options.ignores } : {}),
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
  },
});

const NO_APPS = {
  group: ['**/apps/*', '**/apps/**', '@idem/api', '@idem/api/*', '@idem/dashboard', '**/examples/**'],
  message: 'packages never depend on apps or examples: dependencies point one way (apps → packages).',
};
const NO_DEEP = {
  group: ['@idem/*/src/*', '**/packages/*/src/**'],
  message:
    "import a package by its public entry points (its package.json exports), never from another package's src/.",
};
const NO_FRAMEWORKS = {
  group: [
    '@trpc/*',
    '@idem/trpc',
    '@idem/trpc/*',
    '@idem/admin',
    'next',
    'next/*',
    '@prisma/*',
    '**/generated/**',
    'express',
    'fastify',
  ],
  message: '@idem/core knows nothing of tRPC, HTTP frameworks, Next or a generated Prisma client.',
};
const NO_NODE = {
  group: ['node:*'],
  allowTypeImports: true,
  message:
    'this module must run on any JavaScript runtime (the fetch adapter on Workers, Deno, Bun): no Node built-ins.',
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/generated/**',
      '**/.next/**',
      '**/dist/**',
      'bench/results/**',
      '**/next-env.d.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // @idem/core: no tRPC, HTTP, Next or Prisma; no Node on its runtime-neutral path (the engine, policies, the
  // memory store, the SQL store over drivers that take clients structurally). Node's hash stays behind #digest.
  boundary(['packages/core/src/**/*.ts'], [NO_APPS, NO_DEEP, NO_FRAMEWORKS, NO_NODE], {
    ignores: ['packages/core/src/runtime/digest-node.ts', 'packages/core/src/**/*.test.ts'],
  }),
  // @idem/trpc: depends on core only; its server middleware and client links run anywhere (the file journal
  // and the Node adapters are the Node-only parts).
  boundary(
    ['packages/trpc/src/**/*.ts'],
    [
      NO_APPS,
      NO_DEEP,
      {
        group: ['@idem/admin', 'next', 'next/*', '@prisma/*'],
        message: '@idem/trpc depends on @idem/core only.',
      },
      NO_NODE,
    ],
    {
      ignores: [
        'packages/trpc/src/client/node.ts',
        'packages/trpc/src/adapters/*.ts',
        'packages/trpc/src/**/*.test.ts',
      ],
    },
  ),
  boundary(
    ['packages/admin/src/**/*.ts'],
    [
      NO_APPS,
      NO_DEEP,
      { group: ['next', 'next/*', '@prisma/*'], message: '@idem/admin is for any tRPC host.' },
    ],
  ),
  boundary(['packages/*/test/**/*.ts', 'packages/trpc/src/adapters/*.ts'], [NO_APPS, NO_DEEP]),
  // Apps, examples and the end-to-end suite use the packages as any user would.
  boundary(
    ['apps/**/*.ts', 'apps/**/*.tsx', 'examples/**/*.ts', 'examples/**/*.tsx', 'e2e/**/*.ts'],
    [NO_DEEP],
  ),
);
