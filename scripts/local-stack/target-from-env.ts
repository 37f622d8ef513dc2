import type { AwsTarget } from './aws-clients';

export const DEFAULT_TICKER_LIST_KEY = 'ticker-cache/us-symbols.json';

export type TargetFromEnv = { ok: true; target: AwsTarget } | { ok: false; problems: string[] };

/**
 * Reads the service's own AWS variables (see API.md "Configuration") so db:init provisions exactly
 * what the service will look for. Per-service endpoints win over AWS_ENDPOINT_URL, as in the SDK.
 */
export function awsTargetFromEnv(env: NodeJS.ProcessEnv): TargetFromEnv {
  const problems: string[] = [];
  const required = (name: string, expected: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is required: ${expected}`);
    return value ?? '';
  };
  const endpoint = (serviceVariable: string): string | undefined => {
    const name = env[serviceVariable]?.trim() ? serviceVariable : 'AWS_ENDPOINT_URL';
    const value = env[name]?.trim();
    if (!value) return undefined;
    if (!/^https?:\/\/[^\s/]+/.test(value)) {
      problems.push(`${name} must be an http(s) URL such as http://127.0.0.1:8000, got "${value}"`);
    }
    return value;
  };

  const target: AwsTarget = {
    region: required('AWS_REGION', 'the AWS region, e.g. us-east-1'),
    dynamodbEndpoint: endpoint('AWS_ENDPOINT_URL_DYNAMODB'),
    s3Endpoint: endpoint('AWS_ENDPOINT_URL_S3'),
    tables: {
      users: required('USERS_TABLE', 'the DynamoDB table name for configurations and counters'),
      ohlcCache: required('OHLC_CACHE_TABLE', 'the DynamoDB table name for cached candles'),
      quota: required('QUOTA_TABLE', 'the DynamoDB table name for quota counters (may equal another table)'),
    },
    bucket: required('TICKER_LIST_BUCKET', 'the S3 bucket holding the ticker list'),
    tickerListKey: env.TICKER_LIST_KEY?.trim() || DEFAULT_TICKER_LIST_KEY,
  };
  return problems.length > 0 ? { ok: false, problems: [...new Set(problems)] } : { ok: true, target };
}
