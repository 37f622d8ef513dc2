import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

/** Where the service's AWS resources live; the same shape serves real AWS and the local stack. */
export interface AwsTarget {
  region: string;
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  tables: { users: string; ohlcCache: string; quota: string };
  bucket: string;
  tickerListKey: string;
  /** File uploaded as the ticker list when the object is absent; defaults to fixtures/us-symbols.json. */
  tickerListPath?: string;
}

export interface AwsClients {
  dynamodb: DynamoDBClient;
  s3: S3Client;
  destroy(): void;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Clients for scripts and tests (the service builds its own in src/infrastructure). */
export function createAwsClients(target: AwsTarget, env: NodeJS.ProcessEnv = process.env): AwsClients {
  // Emulators accept any key, but the SDK refuses to sign without one.
  const hasEnvCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  const localCredentials = (endpoint: string | undefined) =>
    endpoint !== undefined && !hasEnvCredentials ? { credentials: LOCAL_CREDENTIALS } : {};

  const dynamodb = new DynamoDBClient({
    region: target.region,
    maxAttempts: 3,
    ...(target.dynamodbEndpoint === undefined ? {} : { endpoint: target.dynamodbEndpoint }),
    ...localCredentials(target.dynamodbEndpoint),
  });
  const s3 = new S3Client({
    region: target.region,
    maxAttempts: 3,
    ...(target.s3Endpoint === undefined
      ? {}
      : {
          endpoint: target.s3Endpoint,
          // Emulators serve buckets by path and predate the SDK's default flexible checksums.
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }),
    ...localCredentials(target.s3Endpoint),
  });
  return {
    dynamodb,
    s3,
    destroy: () => {
      dynamodb.destroy();
      s3.destroy();
    },
  };
}
