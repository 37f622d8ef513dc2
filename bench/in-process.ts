import 'reflect-metadata';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { findFreePort } from '../scripts/local-stack/free-port';
import { AppModule } from '../src/app.module';
import { APP_OPTIONS, configureApp } from '../src/app.setup';
import { WRITE_DEADLINE_MS, WriteBehindQueue } from '../src/ohlc/fetch/write-behind';
import { QuotaService } from '../src/quota/quota.service';
import { Settings } from '../src/config/settings';
import { AwsClients } from '../src/infrastructure/aws-clients';

/**
 * The service's configuration is read from process.env while the module graph is built, so the
 * bench sets the API's environment just for that and restores its own afterwards.
 */
async function withEnv<T>(env: Readonly<Record<string, string>>, build: () => Promise<T>): Promise<T> {
  const saved = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await build();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** The built AppModule without HTTP, e.g. to call QuotaService directly. */
export function startAppContext(env: Readonly<Record<string, string>>): Promise<INestApplicationContext> {
  return withEnv(env, () => NestFactory.createApplicationContext(AppModule, { logger: false }));
}

export interface InProcessApp {
  readonly url: string;
  /** Resolves once the cache writes this app started after its answers have finished. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Counts nothing and never denies: the API as it would be without quota tracking. */
const NO_QUOTA = {
  reserve: async (service: string, units = 1) => ({ service, units, fromFallback: false }),
  reserveAllowance: async (allowance: string) => ({ service: allowance, units: 1, fromFallback: false }),
  release: async (): Promise<void> => undefined,
};

/**
 * `ADD used :1` on a bench item of the quota table, nothing returned: the bare write the quota
 * figures stand beside. With `below`, admitted only while `used` stays at most that (one condition).
 */
export async function addOne(dynamo: DynamoDBClient, table: string, pk: string, sk: string, below?: number): Promise<void> {
  await dynamo.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: pk }, sk: { S: sk } },
      UpdateExpression: 'ADD used :one',
      ...(below === undefined
        ? { ExpressionAttributeValues: { ':one': { N: '1' } } }
        : { ConditionExpression: 'attribute_not_exists(used) OR used <= :max', ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(below) } } }),
    }),
  );
}

/**
 * The floor of any exact quota: each reservation is one plain `ADD used :1` UpdateItem (no
 * condition, no marker, nothing returned) on a bench item, and never denies.
 */
function plainWritesQuota(aws: AwsClients, settings: Settings): typeof NO_QUOTA {
  const write = (counter: string): Promise<void> => addOne(aws.dynamodb, settings.tables.quota, `QUOTA#bench-plain#${counter}`, 'PLAIN');
  return {
    reserve: async (service, units = 1) => {
      await write(service);
      return NO_QUOTA.reserve(service, units);
    },
    reserveAllowance: async (allowance) => {
      await write(allowance);
      return NO_QUOTA.reserveAllowance(allowance);
    },
    release: NO_QUOTA.release,
  };
}

/** What stands in for QuotaService: the real one, none, or one plain write per reservation. */
export type BenchQuota = 'real' | 'none' | 'plain-writes';

/**
 * The AppModule served over HTTP from the bench process, configured as in production, with its
 * QuotaService as `quota` says. Every variant is built the same way so that only the quota
 * differs between them.
 */
export async function startHttpApp(env: Readonly<Record<string, string>>, quota: BenchQuota = 'real'): Promise<InProcessApp> {
  const port = await findFreePort();
  const app = await withEnv({ ...env, PORT: String(port) }, async (): Promise<INestApplication> => {
    const builder = Test.createTestingModule({ imports: [AppModule] });
    if (quota === 'none') builder.overrideProvider(QuotaService).useValue(NO_QUOTA);
    if (quota === 'plain-writes') builder.overrideProvider(QuotaService).useFactory({ factory: plainWritesQuota, inject: [AwsClients, Settings] });
    const moduleRef = await builder.compile();
    const created = moduleRef.createNestApplication(APP_OPTIONS);
    configureApp(created);
    await created.listen(port, '127.0.0.1');
    return created;
  });
  const writes = app.get(WriteBehindQueue);
  return {
    url: `http://127.0.0.1:${port}`,
    settled: async () => {
      await writes.flush(WRITE_DEADLINE_MS);
    },
    close: () => app.close(),
  };
}
