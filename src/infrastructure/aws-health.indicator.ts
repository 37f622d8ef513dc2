import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Settings } from '../config/settings';
import { raceWithDeadline } from '../resilience/deadline';
import { AwsClients } from './aws-clients';

/** Each check's bound, even when the SDK call ignores its abort signal (a hung socket). */
export const CHECK_TIMEOUT_MS = 1000;

export type ReadinessCheck = () => Promise<HealthIndicatorResult>;

/**
 * Readiness: every table answers DescribeTable and the bucket answers HeadBucket, each within 1 s.
 * A failed check is `down` with the error's name only: SDK message text stays in our logs.
 */
@Injectable()
export class AwsHealthIndicator {
  constructor(
    private readonly clients: AwsClients,
    private readonly settings: Settings,
    private readonly health: HealthIndicatorService,
  ) {}

  checks(): ReadinessCheck[] {
    const tables = [...new Set(Object.values(this.settings.tables))].map((name) =>
      this.bounded(`dynamodb:${name}`, async (signal) => {
        await this.clients.dynamodb.send(new DescribeTableCommand({ TableName: name }), { abortSignal: signal });
      }),
    );
    const bucket = this.settings.tickerList.bucket;
    const bucketCheck = this.bounded(`s3:${bucket}`, async (signal) => {
      await this.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
    });
    return [...tables, bucketCheck];
  }

  private bounded(key: string, probe: (signal: AbortSignal) => Promise<void>): ReadinessCheck {
    return async () => {
      const indicator = this.health.check(key);
      const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
      try {
        await raceWithDeadline(probe(signal), signal);
        return indicator.up();
      } catch (error) {
        return indicator.down({ error: errorName(error) });
      }
    };
  }
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : 'Error';
}
