import { baseTestEnv, testSettings } from '../../test/support/test-settings';
import { InvalidEnvironmentError, loadSettings } from './settings';

const problemsOf = (overrides: Record<string, string>): readonly string[] => {
  try {
    loadSettings({ ...baseTestEnv(), ...overrides });
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
};

describe(`${loadSettings.name} (resilience and HTTP server)`, () => {
  it('defaults to a failure-rate breaker for the system of record and a consecutive one for the cache', () => {
    const settings = testSettings();

    expect(settings.circuits.dynamodb).toEqual({ kind: 'failure-rate', failureRate: 0.5, minimumCalls: 10, samplingMs: 5000, halfOpenAfterMs: 2000 });
    expect(settings.circuits.dynamodb_cache).toEqual({ kind: 'consecutive', failureThreshold: 3, halfOpenAfterMs: 60_000 });
    expect(settings.circuitFairBudgetMs).toBe(1000);
    expect(settings.readinessCacheMs).toBe(2000);
  });

  it('keeps headersTimeout above a load balancer friendly keep-alive, and bounds the whole request', () => {
    expect(testSettings().http).toEqual({ keepAliveTimeoutMs: 65_000, headersTimeoutMs: 66_000, requestTimeoutMs: 30_000, trustProxyHops: 1 });
    expect(testSettings({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '120000', TRUST_PROXY_HOPS: '2' }).http).toMatchObject({
      keepAliveTimeoutMs: 120_000,
      headersTimeoutMs: 121_000,
      trustProxyHops: 2,
    });
  });

  it('names every invalid variable in one go', () => {
    expect(
      problemsOf({
        CIRCUIT_DYNAMODB_FAILURE_RATE: '1',
        CIRCUIT_DYNAMODB_MINIMUM_CALLS: '0',
        CIRCUIT_DYNAMODB_CACHE_FAILURE_THRESHOLD: 'three',
        TRUST_PROXY_HOPS: 'true',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '5',
      }),
    ).toEqual([
      'CIRCUIT_DYNAMODB_FAILURE_RATE must be below 1 (got "1")',
      'CIRCUIT_DYNAMODB_MINIMUM_CALLS must be an integer from 1 to 1000000 (got "0")',
      'CIRCUIT_DYNAMODB_CACHE_FAILURE_THRESHOLD must be an integer from 1 to 1000 (got "three")',
      'HTTP_KEEP_ALIVE_TIMEOUT_MS must be an integer from 1000 to 600000 (got "5")',
      'TRUST_PROXY_HOPS must be an integer from 0 to 10 (got "true")',
    ]);
  });
});
