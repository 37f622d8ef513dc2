import { randomBytes } from 'node:crypto';
import { bootstrapAwsResources, deleteAwsResources, type AwsTarget } from '../../scripts/local-stack/bootstrap';
import { DEFAULT_TICKER_LIST_KEY } from '../../scripts/local-stack/target-from-env';

export interface TestAwsResources {
  region: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  tables: AwsTarget['tables'];
  bucket: string;
  tickerListKey: string;
  /** The service's environment variables pointing at these resources. */
  env: Record<string, string>;
  destroy(): Promise<void>;
}

/**
 * Fresh, randomly named tables and bucket on the backend started by global-setup, so suites
 * never see each other's data.
 */
export async function createTestAwsResources(opts: { tickerListPath?: string } = {}): Promise<TestAwsResources> {
  const dynamodbEndpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  const s3Endpoint = process.env.TEST_S3_ENDPOINT;
  if (!dynamodbEndpoint || !s3Endpoint) {
    throw new Error(
      'TEST_DYNAMODB_ENDPOINT / TEST_S3_ENDPOINT are not set: run this suite through the jest integration or e2e project (test/support/global-setup.ts)',
    );
  }
  const suffix = randomBytes(5).toString('hex');
  const target: AwsTarget = {
    region: process.env.AWS_REGION || 'us-east-1',
    dynamodbEndpoint,
    s3Endpoint,
    tables: { users: `test-users-${suffix}`, ohlcCache: `test-ohlc-${suffix}`, quota: `test-quota-${suffix}` },
    bucket: `test-tickers-${suffix}`,
    tickerListKey: DEFAULT_TICKER_LIST_KEY,
    tickerListPath: opts.tickerListPath,
  };
  // DynamoDB Local's TTL sweeper runs on the real clock and deletes an item about a second after
  // its expires_at. Suites run the service on fake clocks, often days in the past, so with TTL on
  // their counters and candles would vanish mid-test (a quota test granted 892 of a limit of 600).
  // Nothing in the service relies on TTL deletion (real DynamoDB takes up to two days), so test
  // tables leave it off; db:init and the local-stack suite still enable and check it.
  await bootstrapAwsResources(target, { enableTtl: false });

  return {
    region: target.region,
    dynamodbEndpoint,
    s3Endpoint,
    tables: target.tables,
    bucket: target.bucket,
    tickerListKey: target.tickerListKey,
    env: {
      AWS_REGION: target.region,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      USERS_TABLE: target.tables.users,
      OHLC_CACHE_TABLE: target.tables.ohlcCache,
      QUOTA_TABLE: target.tables.quota,
      TICKER_LIST_BUCKET: target.bucket,
      TICKER_LIST_KEY: target.tickerListKey,
    },
    destroy: () => deleteAwsResources(target),
  };
}
