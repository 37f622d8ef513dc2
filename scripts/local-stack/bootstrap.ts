import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  TTL_ATTRIBUTE_NAME,
  buildCreateTableInput,
  buildEnableTtlInput,
} from '../../src/infrastructure/table-definitions';
import { type AwsTarget, createAwsClients } from './aws-clients';

export { type AwsClients, type AwsTarget, createAwsClients } from './aws-clients';

export interface BootstrapOptions {
  /** Replace the ticker list object even when one exists (never the default: it may be a real list). */
  forceTickerList?: boolean;
  /** Enable TTL on `expires_at` (the default; only test tables on a fake clock leave it off). */
  enableTtl?: boolean;
}

export interface BootstrapSummary {
  tablesCreated: string[];
  tablesExisting: string[];
  bucketCreated: boolean;
  tickerListUploaded: boolean;
}

const TABLE_ACTIVE_MAX_WAIT_SECONDS = 120;

export async function bootstrapAwsResources(
  target: AwsTarget,
  options: BootstrapOptions = {},
): Promise<BootstrapSummary> {
  const clients = createAwsClients(target);
  try {
    const enableTtl = options.enableTtl ?? true;
    const created = await Promise.all(
      distinctTableNames(target).map((name) => ensureTable(clients.dynamodb, name, enableTtl)),
    );
    const bucketCreated = await ensureBucket(clients.s3, target);
    const tickerListUploaded = await ensureTickerList(clients.s3, target, options.forceTickerList ?? false);
    return {
      tablesCreated: created.filter((c) => c.created).map((c) => c.name),
      tablesExisting: created.filter((c) => !c.created).map((c) => c.name),
      bucketCreated,
      tickerListUploaded,
    };
  } finally {
    clients.destroy();
  }
}

/** Test teardown: removes the tables and the bucket with its objects; missing ones are fine. */
export async function deleteAwsResources(target: AwsTarget): Promise<void> {
  const clients = createAwsClients(target);
  try {
    await Promise.all(
      distinctTableNames(target).map((name) =>
        ignoreErrors(clients.dynamodb.send(new DeleteTableCommand({ TableName: name })), ['ResourceNotFoundException']),
      ),
    );
    await emptyAndDeleteBucket(clients.s3, target.bucket);
  } finally {
    clients.destroy();
  }
}

/** QUOTA_TABLE may share a table with another role; each table is created once. */
export function distinctTableNames(target: AwsTarget): string[] {
  return [...new Set([target.tables.users, target.tables.ohlcCache, target.tables.quota])];
}

async function ensureTable(
  client: DynamoDBClient,
  name: string,
  enableTtl: boolean,
): Promise<{ name: string; created: boolean }> {
  const created = await ignoreErrors(
    client.send(new CreateTableCommand(buildCreateTableInput(name))).then(() => true),
    ['ResourceInUseException'],
  );
  await waitUntilTableExists(
    { client, maxWaitTime: TABLE_ACTIVE_MAX_WAIT_SECONDS, minDelay: 1, maxDelay: 5 },
    { TableName: name },
  );
  if (enableTtl) await ensureTtl(client, name);
  return { name, created: created === true };
}

async function ensureTtl(client: DynamoDBClient, name: string): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const ttl = current.TimeToLiveDescription;
  const enabled = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  if (enabled && ttl?.AttributeName === TTL_ATTRIBUTE_NAME) return;
  try {
    await client.send(new UpdateTimeToLiveCommand(buildEnableTtlInput(name)));
  } catch (error) {
    // A concurrent bootstrap may have enabled it between describe and update.
    if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
  }
}

async function ensureBucket(client: S3Client, target: AwsTarget): Promise<boolean> {
  try {
    await client.send(
      new CreateBucketCommand({
        Bucket: target.bucket,
        ...(target.region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: target.region as BucketLocationConstraint } }),
      }),
    );
    return true;
  } catch (error) {
    const name = errorName(error);
    if (name === 'BucketAlreadyOwnedByYou') return false;
    if (name !== 'BucketAlreadyExists') throw error;
    // Real S3 says "already exists" for someone else's bucket too: only accept one we can reach.
    await client.send(new HeadBucketCommand({ Bucket: target.bucket }));
    return false;
  }
}

async function ensureTickerList(client: S3Client, target: AwsTarget, force: boolean): Promise<boolean> {
  if (!force && (await objectExists(client, target.bucket, target.tickerListKey))) return false;
  const body = await readFile(target.tickerListPath ?? defaultTickerListPath());
  JSON.parse(body.toString('utf8')); // refuse to publish a file the service could not read
  await client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: target.tickerListKey,
      Body: body,
      ContentType: 'application/json',
    }),
  );
  return true;
}

async function objectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchKey') return false;
    throw error;
  }
}

async function emptyAndDeleteBucket(client: S3Client, bucket: string): Promise<void> {
  let continuationToken: string | undefined;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: continuationToken }));
      // Buckets here hold a handful of objects; single deletes stay within what every emulator supports.
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      }
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (continuationToken !== undefined);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (errorName(error) !== 'NoSuchBucket') throw error;
  }
}

/** The fixture sits at the repository root, reached from both scripts/ and dist/scripts/. */
function defaultTickerListPath(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'fixtures', 'us-symbols.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`fixtures/us-symbols.json not found above ${__dirname}`);
}

async function ignoreErrors<T>(promise: Promise<T>, names: string[]): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (names.includes(errorName(error))) return undefined;
    throw error;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}
