import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Settings } from '../../config/settings';
import type { CandleSet } from '../candle.model';
import type { DateSpan, Resolution } from '../candle.model';

export interface MemoryEntry extends CandleSet {
  readonly ticker: string;
  /** Invalidation epoch of the ticker when the entry was loaded; undefined when it was unknown. */
  readonly epoch: number | undefined;
  /**
   * Market-clock ms after which the entry no longer counts as fresh (a still-open session). The
   * TTL enforces the same in wall time; this keeps both views in step when the clock is replaced.
   */
  readonly staleAt: number;
  /**
   * The answer's bytes for this key (serializeOhlcResponse of these candles), written as they are
   * on a hit. Part of the entry, so it lives and dies with it: same epoch, TTL and invalidation.
   */
  readonly body: Buffer;
}

/** Fixed per-entry overhead (key, object headers) on top of the serialized candles. */
const ENTRY_OVERHEAD_BYTES = 256;

export function memoryKey(ticker: string, resolution: Resolution, span: DateSpan): string {
  return `${ticker}|${resolution}|${span.start}|${span.end}`;
}

/**
 * Layer 1: resolved ranges in process memory, bounded by bytes (OHLC_MEMORY_CACHE_MB). Expired
 * entries stay readable through `peekStale` until evicted, so a provider outage can still be
 * answered with the last copy.
 */
@Injectable()
export class MemoryCandleCache {
  private readonly cache: LRUCache<string, MemoryEntry>;
  /** lru-cache's iterators skip expired entries, so invalidation keeps its own index per ticker. */
  private readonly keysByTicker = new Map<string, Set<string>>();

  constructor(settings: Settings) {
    this.cache = new LRUCache<string, MemoryEntry>({
      maxSize: settings.ohlcMemoryCacheBytes,
      // The body's bytes, plus as much again for the candle objects (their JSON is the body
      // minus a short header, and JSON length approximates their heap): roughly right is enough.
      sizeCalculation: (entry) => 2 * entry.body.byteLength + ENTRY_OVERHEAD_BYTES,
      ttlAutopurge: false,
      noDeleteOnStaleGet: true,
      allowStale: false,
      // Date.now rather than lru-cache's captured performance object, so fake timers govern TTLs in tests.
      perf: { now: () => Date.now() },
      dispose: (entry, key) => {
        const keys = this.keysByTicker.get(entry.ticker);
        keys?.delete(key);
        if (keys?.size === 0) this.keysByTicker.delete(entry.ticker);
      },
    });
  }

  get(key: string): MemoryEntry | undefined {
    return this.cache.get(key);
  }

  /** The entry even when its TTL has passed (for stale answers). */
  peekStale(key: string): MemoryEntry | undefined {
    return this.cache.get(key, { allowStale: true });
  }

  set(key: string, entry: MemoryEntry, ttlMs: number): void {
    this.cache.set(key, entry, { ttl: Math.max(1, Math.round(ttlMs)) });
    // lru-cache refuses an entry larger than the whole bound.
    if (this.cache.peek(key, { allowStale: true }) === undefined) return;
    const keys = this.keysByTicker.get(entry.ticker) ?? new Set<string>();
    keys.add(key);
    this.keysByTicker.set(entry.ticker, keys);
  }

  delete(key: string): void {
    this.cache.delete(key);
  }

  deleteTicker(ticker: string): void {
    for (const key of [...(this.keysByTicker.get(ticker) ?? [])]) this.cache.delete(key);
    this.keysByTicker.delete(ticker);
  }

  get sizeBytes(): number {
    return this.cache.calculatedSize;
  }
}
