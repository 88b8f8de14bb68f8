// Lint holds the architecture: apps depend on libs only, never on each other; contracts depend on nothing of
// Nest, TypeORM or Kafka; libs never import apps. Tags live in each project's package.json ("nx.tags").
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', '.nx/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
            { sourceTag: 'scope:verify', onlyDependOnLibsWithTags: ['scope:verify', 'scope:merkle'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared', 'scope:merkle'] },
            { sourceTag: 'scope:ingestion', onlyDependOnLibsWithTags: ['scope:shared', 'scope:merkle'] },
            { sourceTag: 'scope:encryption', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:access-control', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:ledger', onlyDependOnLibsWithTags: ['scope:shared', 'scope:merkle'] },
            { sourceTag: 'scope:governance', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:tooling', onlyDependOnLibsWithTags: ['scope:shared', 'scope:merkle'] },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/*', '../../apps/**'], message: 'apps never import each other: share through libs' }] },
      ],
    },
  },
  {
    files: ['libs/contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['kafkajs', 'typeorm', 'pg'], patterns: ['@nestjs/*'] }],
    },
  },
  {
    // Tests may read the harness under test/support.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // The bench's ceilings write the ledger's own rows with its own encoder, so the ceiling has the ledger's shape.
    files: ['test/bench/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
