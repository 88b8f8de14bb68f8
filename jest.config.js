// Three tiers by file name: unit = pure *.spec.ts, int = *.int.spec.ts against the real Kafka and
// PostgreSQL the global set-up starts, e2e = test/e2e with the services running as processes.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];
const shared = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@medshare/(.*)$': '<rootDir>/libs/$1/src/index.ts' },
  testEnvironment: 'node',
  rootDir: __dirname,
};
module.exports = {
  // A run that finished but does not exit fails, naming what was left open (scripts/test.sh relies on it).
  reporters: ['default', '<rootDir>/test/support/exit-watchdog.js'],
  // How scripts/test.sh splits a tier between its shards (--shard=i/n): by the files' durations, not their count.
  testSequencer: '<rootDir>/test/support/shard-sequencer.js',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,tools}/*/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
      testPathIgnorePatterns: ['\\.(int|chaos)\\.spec\\.ts$'],
    },
    {
      ...shared,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,tools}/*/src/**/*.int.spec.ts', '<rootDir>/test/int/**/*.int.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/int-timeout.ts'],
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-timeout.ts'],
    },
    // Fault runs that take minutes (brokers killed and frozen, services killed): `npm run test:chaos`, not in `npm test`.
    {
      ...shared,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.chaos.spec.ts', '<rootDir>/{apps,libs}/*/src/**/*.chaos.spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/chaos/chaos-timeout.ts'],
    },
  ],
};
