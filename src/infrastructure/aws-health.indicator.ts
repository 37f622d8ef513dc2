import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Settings } from '../config/settings';
import { AwsClients } from './aws-clients';

const CHECK_TIMEOUT_MS = 1000;

/** Readiness: every table answers DescribeTable and the bucket answers HeadBucket, each within 1 s. */
@Injectable()
export class AwsHealthIndicator {
  constructor(
    private readonly clients: AwsClients,
    private readonly settings: Settings,
    private readonly health: HealthIndicatorService,
  ) {}

  tableChecks(): Array<() => PromiseLike<HealthIndicatorResult>> {
    const names = [...new Set(Object.values(this.settings.tables))];
    return names.map(
      (name) => () =>
        this.health
          .check(`dynamodb:${name}`)
          .attempt(async ({ signal }) => {
            const { Table } = await this.clients.dynamodb.send(new DescribeTableCommand({ TableName: name }), {
              abortSignal: signal,
            });
            return { table_status: Table?.TableStatus };
          })
          .withTimeout(CHECK_TIMEOUT_MS),
    );
  }

  bucketCheck(): () => PromiseLike<HealthIndicatorResult> {
    const bucket = this.settings.tickerList.bucket;
    return () =>
      this.health
        .check(`s3:${bucket}`)
        .attempt(async ({ signal }) => {
          await this.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
        })
        .withTimeout(CHECK_TIMEOUT_MS);
  }
}
