// TypeScript through swc, keeping the decorator metadata Nest's dependency injection reads.
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    {
      jsc: {
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
        target: 'es2022',
      },
      module: { type: 'commonjs' },
    },
  ],
};

const project = (displayName, testMatch, extra = {}) => ({ displayName, testEnvironment: 'node', transform, testMatch, ...extra });

// One DynamoDB Local + s3rver (or LocalStack) per run, shared by both projects; see test/support.
const withLocalAws = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/test/support/jest-timeout.ts'],
};

module.exports = {
  projects: [
    project('unit', ['<rootDir>/src/**/*.spec.ts']),
    project('integration', ['<rootDir>/test/integration/**/*.int-spec.ts'], withLocalAws),
    project('e2e', ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], withLocalAws),
  ],
};
