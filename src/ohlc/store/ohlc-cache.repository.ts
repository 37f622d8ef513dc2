import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  paginateQuery,
  PutCommand,
  QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { AppError, DependencyThrottledError, DependencyUnavailableError } from '../../common/errors';
import { Settings } from '../../config/settings';
import { AwsClients } from '../../infrastructure/aws-clients';
import { ExecuteOptions, ResilienceService } from '../../resilience/resilience.service';
import { DateSpan, RESOLUTIONS, Resolution } from '../candle.model';
import {
  candlePk,
  candleSortKeyBounds,
  CONTROL_SK,
  controlPk,
  CoverageRecord,
  coveragePk,
  fromCandleItem,
  fromControlItem,
  fromCoverageItem,
  Item,
  LOCK_SK,
  StoredCandle,
  TickerControl,
} from './ohlc-cache.items';

export interface ReadOptions {
  /** Strongly consistent (lock waiters must see a coverage record the moment it is written). */
  readonly consistent?: boolean;
  /** Also return items whose TTL has passed but DynamoDB has not deleted yet (stale answers). */
  readonly includeExpired?: boolean;
  /** Epoch seconds that decide expiry. */
  readonly nowSec: number;
  /** The invalidation epoch whose partition is read. */
  readonly epoch: number;
  /** A budget of its own instead of the request's (see ExecuteOptions). */
  readonly deadline?: ExecuteOptions['deadline'];
}

export const BATCH_WRITE_LIMIT = 25;
/** UnprocessedItems are retried at most this many times, waiting 100 ms, 200 ms, 400 ms. */
export const UNPROCESSED_RETRIES = 3;
const UNPROCESSED_BASE_DELAY_MS = 100;
/** Chunks written at once: enough to store a month of 5-minute bars quickly without a burst. */
const PARALLEL_CHUNKS = 4;
/** How many epochs back a purge looks. */
export const PURGED_EPOCHS = 5;

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

/** DynamoDB side of the candle store: candles, coverage, fetch locks and control items in OHLC_CACHE_TABLE. */
@Injectable()
export class OhlcCacheRepository {
  private readonly table: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly resilience: ResilienceService,
    settings: Settings,
  ) {
    this.table = settings.tables.ohlcCache;
  }

  /** Every unexpired candle of the span in one Query, paginated to the end, oldest first. */
  async candles(ticker: string, resolution: Resolution, span: DateSpan, options: ReadOptions): Promise<StoredCandle[]> {
    const [from, to] = candleSortKeyBounds(resolution, span);
    const items = await this.query(candlePk(ticker, resolution, options.epoch), from, to, options);
    return items.map(fromCandleItem);
  }

  async coverage(ticker: string, resolution: Resolution, span: DateSpan, options: ReadOptions): Promise<CoverageRecord[]> {
    const items = await this.query(coveragePk(ticker, resolution, options.epoch), span.start, span.end, options);
    return items.map(fromCoverageItem);
  }

  /**
   * BatchWriteItem in chunks of 25; UnprocessedItems are retried with exponential backoff and
   * reported through `onUnprocessed`. Rejects when items are still unprocessed after the retries,
   * so a caller writing coverage afterwards never vouches for candles that are not stored.
   */
  async putAll(items: readonly Item[], onUnprocessed: (count: number) => void, options?: ExecuteOptions): Promise<void> {
    await this.batchWrite(items.map((Item) => ({ PutRequest: { Item } })), onUnprocessed, options);
  }

  /** Conditional PutItem: free, or held by someone whose lease ran out. */
  async tryAcquireLock(pk: string, token: string, nowMs: number, leaseMs: number): Promise<boolean> {
    try {
      await this.call((signal) =>
        this.clients.documents.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk, sk: LOCK_SK, holder: token, lease_until: nowMs + leaseMs, expires_at: Math.ceil((nowMs + leaseMs) / 1000) + 60 },
            ConditionExpression: 'attribute_not_exists(pk) OR lease_until < :now',
            ExpressionAttributeValues: { ':now': nowMs },
          }),
          { abortSignal: signal },
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.translate(error);
    }
  }

  /** Deletes the lock only if this acquisition still holds it (after an expiry someone else may). */
  async releaseLock(pk: string, token: string, options?: ExecuteOptions): Promise<void> {
    try {
      await this.call(
        (signal) =>
          this.clients.documents.send(
            new DeleteCommand({
              TableName: this.table,
              Key: { pk, sk: LOCK_SK },
              ConditionExpression: 'holder = :holder',
              ExpressionAttributeValues: { ':holder': token },
            }),
            { abortSignal: signal },
          ),
        options,
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return;
      throw this.translate(error);
    }
  }

  /** The ticker's control item (epoch 0 and not unknown when it was never written). */
  async readControl(ticker: string, options?: ExecuteOptions): Promise<TickerControl> {
    const result = await this.call(
      (signal) =>
        this.clients.documents.send(
          new GetCommand({ TableName: this.table, Key: { pk: controlPk(ticker), sk: CONTROL_SK }, ConsistentRead: true }),
          { abortSignal: signal },
        ),
      options,
    );
    return fromControlItem(result.Item);
  }

  /** One UpdateItem, so an invalidation takes effect at once whatever the ticker's size; it also forgets "unknown". */
  async bumpEpoch(ticker: string): Promise<number> {
    const result = await this.call((signal) =>
      this.clients.documents.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: controlPk(ticker), sk: CONTROL_SK },
          UpdateExpression: 'ADD epoch :one REMOVE unknown_until',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
        { abortSignal: signal },
      ),
    );
    return Number(result.Attributes?.epoch ?? 0);
  }

  async markUnknown(ticker: string, untilMs: number, options?: ExecuteOptions): Promise<void> {
    await this.call(
      (signal) =>
        this.clients.documents.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: controlPk(ticker), sk: CONTROL_SK },
            UpdateExpression: 'SET unknown_until = :until',
            ExpressionAttributeValues: { ':until': untilMs },
          }),
          { abortSignal: signal },
        ),
      options,
    );
  }

  /**
   * Deletes the ticker's candle and coverage partitions of the PURGED_EPOCHS epochs before `epoch`,
   * all resolutions; returns how many items. Older leftovers (a purge that failed long ago) leave by TTL.
   */
  async purgeBefore(ticker: string, epoch: number, onUnprocessed: (count: number) => void, options: ExecuteOptions): Promise<number> {
    const epochs = Array.from({ length: Math.min(epoch, PURGED_EPOCHS) }, (_, i) => epoch - 1 - i);
    const partitions = epochs.flatMap((old) =>
      RESOLUTIONS.flatMap((resolution) => [candlePk(ticker, resolution, old), coveragePk(ticker, resolution, old)]),
    );
    let deleted = 0;
    for (const pk of partitions) {
      const keys = await this.keysOf(pk, options);
      await this.batchWrite(keys.map((Key) => ({ DeleteRequest: { Key } })), onUnprocessed, options);
      deleted += keys.length;
    }
    return deleted;
  }

  private async keysOf(pk: string, options: ExecuteOptions): Promise<Item[]> {
    return this.paginate(
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
      options,
    );
  }

  private query(pk: string, from: string, to: string, options: ReadOptions): Promise<Item[]> {
    return this.paginate({
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      // DynamoDB deletes expired items lazily (up to days later), so reads must skip them.
      ...(options.includeExpired ? {} : { FilterExpression: 'expires_at > :now' }),
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to, ...(options.includeExpired ? {} : { ':now': options.nowSec }) },
      ConsistentRead: options.consistent ?? false,
    }, { deadline: options.deadline });
  }

  private paginate(input: QueryCommandInput, options?: ExecuteOptions): Promise<Item[]> {
    return this.call(async (signal) => {
      const items: Item[] = [];
      for await (const page of paginateQuery({ client: this.clients.documents }, input, { abortSignal: signal })) {
        items.push(...(page.Items ?? []));
      }
      return items;
    }, options);
  }

  private async batchWrite(requests: readonly WriteRequest[], onUnprocessed: (count: number) => void, options?: ExecuteOptions): Promise<void> {
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) chunks.push(requests.slice(i, i + BATCH_WRITE_LIMIT));
    for (let i = 0; i < chunks.length; i += PARALLEL_CHUNKS) {
      await Promise.all(chunks.slice(i, i + PARALLEL_CHUNKS).map((chunk) => this.writeChunk(chunk, onUnprocessed, options)));
    }
  }

  private async writeChunk(chunk: WriteRequest[], onUnprocessed: (count: number) => void, options?: ExecuteOptions): Promise<void> {
    let pending = chunk;
    for (let retry = 0; ; retry++) {
      const output = await this.call(
        (signal) => this.clients.documents.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }), { abortSignal: signal }),
        options,
      );
      const left = (output.UnprocessedItems?.[this.table] ?? []) as WriteRequest[];
      if (left.length === 0) return;
      onUnprocessed(left.length);
      if (retry >= UNPROCESSED_RETRIES) throw new DependencyThrottledError('dynamodb', 1);
      await delay(UNPROCESSED_BASE_DELAY_MS * 2 ** retry);
      pending = left;
    }
  }

  private async call<T>(operation: (signal: AbortSignal) => Promise<T>, options?: ExecuteOptions): Promise<T> {
    try {
      return await this.resilience.execute('dynamodb', operation, options);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw this.translate(error);
    }
  }

  /** Permanent SDK errors (validation, missing table) leave as a domain error, never as SDK text. */
  private translate(error: unknown): unknown {
    if (error instanceof AppError || error instanceof ConditionalCheckFailedException) return error;
    return new DependencyUnavailableError('dynamodb', 5, error);
  }
}
