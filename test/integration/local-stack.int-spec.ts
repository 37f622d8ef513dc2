import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type AwsTarget,
  bootstrapAwsResources,
  createAwsClients,
  deleteAwsResources,
} from '../../scripts/local-stack/bootstrap';
import { startDynamoDbLocal } from '../../scripts/local-stack/dynamodb-local';
import { startS3Emulator } from '../../scripts/local-stack/s3-emulator';
import { buildCreateTableInput } from '../../src/infrastructure/table-definitions';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';

interface TickerList {
  symbols: Record<string, { name: string; is_active: boolean; successor_symbol?: string }>;
}

describe('local AWS stack', () => {
  describe(bootstrapAwsResources.name, () => {
    let resources: TestAwsResources;
    let target: AwsTarget;
    let clients: ReturnType<typeof createAwsClients>;

    beforeAll(async () => {
      resources = await createTestAwsResources();
      target = { ...resources };
      clients = createAwsClients(target);
    });
    afterAll(async () => {
      // Optional: beforeAll may have failed before assigning them.
      clients?.destroy();
      await resources?.destroy();
    });

    const readTickerList = async (): Promise<TickerList> => {
      const object = await clients.s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: target.tickerListKey }));
      return JSON.parse(await object.Body!.transformToString()) as TickerList;
    };

    it('creates nothing new on a second run and keeps pk/sk keys with TTL on expires_at', async () => {
      const second = await bootstrapAwsResources(target);

      expect(second).toEqual({
        tablesCreated: [],
        tablesExisting: [target.tables.users, target.tables.ohlcCache, target.tables.quota],
        bucketCreated: false,
        tickerListUploaded: false,
      });
      for (const table of Object.values(target.tables)) {
        const { Table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
        expect(Table?.KeySchema).toEqual([
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ]);
        const ttl = await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: table }));
        expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expires_at', TimeToLiveStatus: 'ENABLED' });
      }
    });

    it('publishes the fixture ticker list with FB delisted in favour of META', async () => {
      const list = await readTickerList();

      expect(list.symbols.FB).toMatchObject({ is_active: false, successor_symbol: 'META' });
      expect(list.symbols.META).toMatchObject({ is_active: true });
      expect(Object.keys(list.symbols).length).toBeGreaterThanOrEqual(120);
    });

    it('never overwrites an existing ticker list unless forced', async () => {
      const realList = { version: 'real', updated_at: '2026-11-02T00:00:00Z', symbols: {} };
      await clients.s3.send(
        new PutObjectCommand({ Bucket: target.bucket, Key: target.tickerListKey, Body: JSON.stringify(realList) }),
      );

      await bootstrapAwsResources(target);
      expect(await readTickerList()).toEqual(realList);

      await bootstrapAwsResources(target, { forceTickerList: true });
      expect((await readTickerList()).symbols.AAPL).toMatchObject({ name: 'Apple Inc.' });
    });

    it('creates a table shared by the quota and users roles once', async () => {
      const shared: AwsTarget = {
        ...target,
        tables: {
          users: `${target.tables.users}-shared`,
          ohlcCache: `${target.tables.ohlcCache}-shared`,
          quota: `${target.tables.users}-shared`,
        },
        bucket: `${target.bucket}-shared`,
      };
      try {
        const summary = await bootstrapAwsResources(shared);
        expect(summary.tablesCreated).toEqual([shared.tables.users, shared.tables.ohlcCache]);
      } finally {
        await deleteAwsResources(shared);
      }
    });
  });

  describe(startDynamoDbLocal.name, () => {
    it('keeps written items across a stop and a start on the same port and directory', async () => {
      const dbPath = await mkdtemp(join(tmpdir(), 'ddb-local-test-'));
      const first = await startDynamoDbLocal({ dbPath });
      const client = new DynamoDBClient({
        endpoint: first.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
      const key = { pk: { S: 'USER#alice' }, sk: { S: 'COUNTER' } };
      try {
        await client.send(new CreateTableCommand(buildCreateTableInput('persisted')));
        await client.send(new PutItemCommand({ TableName: 'persisted', Item: { ...key, count: { N: '3' } } }));
        await first.stop();
        await expect(client.send(new ListTablesCommand({}))).rejects.toThrow();

        const second = await startDynamoDbLocal({ port: first.port, dbPath });
        try {
          const { Item } = await client.send(new GetItemCommand({ TableName: 'persisted', Key: key }));
          expect(Item?.count).toEqual({ N: '3' });
        } finally {
          await second.stop();
        }
      } finally {
        client.destroy();
        await first.stop();
        await rm(dbPath, { recursive: true, force: true });
      }
    });
  });

  describe(startS3Emulator.name, () => {
    it('keeps objects across a stop and a start on the same port and directory', async () => {
      const directory = await mkdtemp(join(tmpdir(), 's3rver-test-'));
      const first = await startS3Emulator({ directory });
      const clients = createAwsClients({
        region: 'us-east-1',
        s3Endpoint: first.endpoint,
        tables: { users: 'unused', ohlcCache: 'unused', quota: 'unused' },
        bucket: 'restart-bucket',
        tickerListKey: 'unused',
      });
      try {
        await clients.s3.send(new CreateBucketCommand({ Bucket: 'restart-bucket' }));
        await clients.s3.send(new PutObjectCommand({ Bucket: 'restart-bucket', Key: 'note.txt', Body: 'kept' }));
        await first.stop();

        const second = await startS3Emulator({ port: first.port, directory });
        try {
          const object = await clients.s3.send(new GetObjectCommand({ Bucket: 'restart-bucket', Key: 'note.txt' }));
          expect(await object.Body!.transformToString()).toBe('kept');
        } finally {
          await second.stop();
        }
      } finally {
        clients.destroy();
        await first.stop();
        await rm(directory, { recursive: true, force: true });
      }
    });
  });
});
