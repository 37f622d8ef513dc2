import { loadSettings, Settings } from '../../src/config/settings';

// Kept free of AppModule and other heavy imports: unit specs under src/ load this file too.

export const TEST_AUTH = {
  secret: 'test-secret-that-is-at-least-32-characters-long',
  issuer: 'market-dashboard-test',
  audience: 'market-dashboard-api',
} as const;

/** Environment every test app starts from; suites add their AWS resources and overrides. */
export function baseTestEnv(): Record<string, string> {
  return {
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    // Tests never reach real AWS: a suite without resources of its own talks to a closed local port.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    USERS_TABLE: 'unused-users',
    OHLC_CACHE_TABLE: 'unused-ohlc',
    QUOTA_TABLE: 'unused-quota',
    TICKER_LIST_BUCKET: 'unused-bucket',
    AUTH_JWT_SECRET: TEST_AUTH.secret,
    AUTH_ISSUER: TEST_AUTH.issuer,
    AUTH_AUDIENCE: TEST_AUTH.audience,
    LOG_LEVEL: 'silent',
  };
}

/** Valid settings from the base test environment; pass only the variables a test depends on. */
export function testSettings(overrides: Record<string, string | undefined> = {}): Settings {
  return loadSettings({ ...baseTestEnv(), ...overrides });
}
