const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022' }, module: { type: 'commonjs' } }];
// One DynamoDB Local + s3rver (or LocalStack) per run, shared by both projects; see test/support.
const withLocalAws = { globalSetup: '<rootDir>/test/support/global-setup.ts', globalTeardown: '<rootDir>/test/support/global-teardown.ts', setupFilesAfterEnv: ['<rootDir>/test/support/jest-timeout.ts'] };
module.exports = { projects: [{ displayName: 'unit', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/src/**/*.spec.ts'] },
  { displayName: 'integration', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'], ...withLocalAws },
  { displayName: 'e2e', testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], ...withLocalAws }] };
