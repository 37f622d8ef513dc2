import { GetObjectCommand, NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { Injectable } from '@nestjs/common';
import { Settings } from '../config/settings';
import { AppError, DependencyUnavailableError } from '../common/errors';
import { AwsClients } from '../infrastructure/aws-clients';
import { ResilienceService } from '../resilience/resilience.service';
import { TickerListMissingError } from './tickers.errors';

export type TickerListFetch =
  | { readonly status: 'not-modified' }
  | { readonly status: 'downloaded'; readonly body: string; readonly etag: string | undefined };

function isNotModified(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NotModified' || error.$metadata.httpStatusCode === 304);
}

/** Reads the ticker list object; the only place that knows it lives in S3. */
@Injectable()
export class TickerListRepository {
  constructor(
    private readonly clients: AwsClients,
    private readonly settings: Settings,
    private readonly resilience: ResilienceService,
  ) {}

  /** A conditional GET: with the ETag of the list we hold, an unchanged object is not downloaded again. */
  async fetch(knownEtag: string | undefined): Promise<TickerListFetch> {
    const { bucket, key } = this.settings.tickerList;
    // Background work: its own budget, not a request's.
    const budgetMs = this.settings.requestDeadlineMs;
    const deadline = { signal: AbortSignal.timeout(budgetMs), deadlineAt: Date.now() + budgetMs };
    try {
      return await this.resilience.execute(
        's3',
        async (signal): Promise<TickerListFetch> => {
          try {
            const object = await this.clients.s3.send(
              new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: knownEtag }),
              { abortSignal: signal },
            );
            const body = (await object.Body?.transformToString('utf-8')) ?? '';
            return { status: 'downloaded', body, etag: object.ETag };
          } catch (error) {
            // 304 is the answer we hoped for, not a failure the retry policy should count.
            if (isNotModified(error)) return { status: 'not-modified' };
            throw error;
          }
        },
        { deadline },
      );
    } catch (error) {
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.name === 'NoSuchKey')) {
        throw new TickerListMissingError(bucket, key, error);
      }
      if (error instanceof AppError) throw error;
      throw new DependencyUnavailableError('s3', 5, error);
    }
  }
}
