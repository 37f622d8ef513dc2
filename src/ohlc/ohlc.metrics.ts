import { Injectable } from '@nestjs/common';
import type { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../observability/metrics.registry';
import type { CacheLayer } from './candle.model';

const LAYERS: readonly CacheLayer[] = ['in-memory', 'dynamodb', 'tiingo', 'finnhub', 'stale'];
export type LockOutcome = 'acquired' | 'waited_hit' | 'waited_timeout' | 'unavailable';

/** What on-call needs to see of the OHLC cache: which layer answers, and where writes struggle. */
@Injectable()
export class OhlcMetrics {
  readonly requests: Counter<'source'>;
  readonly unprocessedItems: Counter;
  readonly providerFetches: Counter<'source'>;
  readonly fetchLocks: Counter<'outcome'>;
  readonly cacheWriteFailures: Counter;
  readonly layer2Errors: Counter;
  readonly pendingWrites: Gauge;
  readonly memoryBytes: Gauge;
  readonly purges: Counter<'outcome'>;
  readonly purgedItems: Counter;
  readonly droppedWrites: Counter;
  readonly userLimited: Counter;

  constructor(metrics: MetricsRegistry) {
    this.requests = metrics.counter('ohlc_requests_total', 'OHLC requests answered, by the layer that served them', ['source']);
    for (const source of LAYERS) this.requests.inc({ source }, 0);
    this.unprocessedItems = metrics.counter('ohlc_unprocessed_items_total', 'UnprocessedItems returned by BatchWriteItem for the OHLC cache');
    this.unprocessedItems.inc(0);
    this.providerFetches = metrics.counter('ohlc_provider_fetches_total', 'Upstream fetches of candle gaps, by provider', ['source']);
    this.fetchLocks = metrics.counter('ohlc_fetch_lock_total', 'Cross-instance fetch lock outcomes', ['outcome']);
    this.cacheWriteFailures = metrics.counter('ohlc_cache_write_failures_total', 'Write-behind batches that could not be stored');
    this.cacheWriteFailures.inc(0);
    this.layer2Errors = metrics.counter('ohlc_dynamodb_layer_errors_total', 'DynamoDB cache reads that failed and were bypassed');
    this.layer2Errors.inc(0);
    this.pendingWrites = metrics.gauge('ohlc_write_behind_pending', 'Cache writes started but not finished');
    this.memoryBytes = metrics.gauge('ohlc_memory_cache_bytes', 'Approximate bytes held by the in-memory candle cache');
    this.purges = metrics.counter('ohlc_cache_purges_total', 'Background purges after an admin DELETE, by outcome (done, retried, failed)', ['outcome']);
    for (const outcome of ['done', 'retried', 'failed']) this.purges.inc({ outcome }, 0);
    this.purgedItems = metrics.counter('ohlc_cache_purged_items_total', 'Candle and coverage items deleted by purges');
    this.purgedItems.inc(0);
    this.droppedWrites = metrics.counter('ohlc_cache_writes_dropped_total', 'Write-behinds dropped because the ticker was invalidated meanwhile');
    this.droppedWrites.inc(0);
    this.userLimited = metrics.counter('ohlc_user_rate_limited_total', 'OHLC requests refused because the user used up their upstream allowance');
    this.userLimited.inc(0);
  }
}
