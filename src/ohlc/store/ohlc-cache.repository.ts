import { BatchWriteCommand, paginateQuery, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { Injectable } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { DependencyThrottledError } from '../../common/errors';
import { Settings } from '../../config/settings';
import { AwsClients } from '../../infrastructure/aws-clients';
import { ExecuteOptions, ResilienceService } from '../../resilience/resilience.service';
import { DateSpan, RESOLUTIONS, Resolution } from '../candle.model';
import { candlePk, CoverageRecord, fromCandleItem, fromCoverageItem, isCoverageItem, Item, rangeSortKeyBounds, StoredCandle } from './ohlc-cache.items';
import { callOhlcTable, OHLC_CACHE_DEPENDENCY } from './ohlc-table.repository';

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

/** A range as stored at one epoch: candles and coverage records, each oldest first. */
export interface StoredRange {
  readonly candles: StoredCandle[];
  readonly coverage: CoverageRecord[];
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

/** DynamoDB side of the candle store: candle and coverage items in OHLC_CACHE_TABLE (control items and locks: OhlcControlRepository). */
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

  /**
   * Every unexpired candle and coverage record of the span in one Query (they share a partition),
   * paginated to the end, oldest first.
   */
  async range(ticker: string, resolution: Resolution, span: DateSpan, options: ReadOptions): Promise<StoredRange> {
    const [from, to] = rangeSortKeyBounds(resolution, span);
    const items = await this.query(candlePk(ticker, resolution, options.epoch), from, to, options);
    const candles: StoredCandle[] = [];
    const coverage: CoverageRecord[] = [];
    for (const item of items) {
      if (isCoverageItem(item)) coverage.push(fromCoverageItem(item));
      else candles.push(fromCandleItem(item));
    }
    return { candles, coverage };
  }

  /**
   * BatchWriteItem in chunks of 25; UnprocessedItems are retried with exponential backoff and
   * reported through `onUnprocessed`. Rejects when items are still unprocessed after the retries,
   * so a caller writing coverage afterwards never vouches for candles that are not stored.
   */
  async putAll(items: readonly Item[], onUnprocessed: (count: number) => void, options?: ExecuteOptions): Promise<void> {
    await this.batchWrite(items.map((Item) => ({ PutRequest: { Item } })), onUnprocessed, options);
  }

  /**
   * Deletes the ticker's candle partitions (candles and coverage) of the PURGED_EPOCHS epochs
   * before `epoch`, all resolutions; returns how many items. Older leftovers (a purge that failed
   * long ago, partitions of the former layouts) are never read and leave by TTL.
   */
  async purgeBefore(ticker: string, epoch: number, onUnprocessed: (count: number) => void, options: ExecuteOptions): Promise<number> {
    const epochs = Array.from({ length: Math.min(epoch, PURGED_EPOCHS) }, (_, i) => epoch - 1 - i);
    const partitions = epochs.flatMap((old) => RESOLUTIONS.map((resolution) => candlePk(ticker, resolution, old)));
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
    return callOhlcTable(this.resilience, async (signal: AbortSignal) => {
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
      const output = await callOhlcTable(
        this.resilience,
        (signal: AbortSignal) => this.clients.documents.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }), { abortSignal: signal }),
        options,
      );
      const left = (output.UnprocessedItems?.[this.table] ?? []) as WriteRequest[];
      if (left.length === 0) return;
      onUnprocessed(left.length);
      if (retry >= UNPROCESSED_RETRIES) throw new DependencyThrottledError(OHLC_CACHE_DEPENDENCY, 1);
      await delay(UNPROCESSED_BASE_DELAY_MS * 2 ** retry);
      pending = left;
    }
  }
}
