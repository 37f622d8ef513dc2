import { testSettings } from '../../../test/support/test-settings';
import { MemoryCandleCache, MemoryEntry, memoryKey } from './memory-candle.cache';

const settings = testSettings({ OHLC_MEMORY_CACHE_MB: '1' });

function entry(ticker: string, candles = 1): MemoryEntry {
  const bars = Array.from({ length: candles }, (_, i) => ({ time: `t${i}`, open: 1, high: 1, low: 1, close: 1, volume: i }));
  const body = Buffer.from(JSON.stringify({ ticker, candles: bars }));
  return { ticker, candles: bars, source: 'tiingo', fetchedAt: 0, epoch: 0, staleAt: Number.MAX_SAFE_INTEGER, body };
}

describe(MemoryCandleCache.name, () => {
  afterEach(() => jest.useRealTimers());

  it('keys by ticker, resolution and the resolved dates', () => {
    expect(memoryKey('AAPL', '5', { start: '2026-11-02', end: '2026-11-06' })).toBe('AAPL|5|2026-11-02|2026-11-06');
  });

  it('stays within its byte bound by evicting the least recently used ranges', () => {
    const cache = new MemoryCandleCache(settings);
    // About 300 KiB each: four of them do not fit into 1 MiB.
    for (const ticker of ['A', 'B', 'C', 'D']) cache.set(ticker, entry(ticker, 4000), 60_000);

    expect(cache.sizeBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.get('A')).toBeUndefined();
    expect(cache.get('D')?.ticker).toBe('D');
  });

  it('stops serving an entry after its TTL but keeps it for a stale answer', () => {
    jest.useFakeTimers();
    const cache = new MemoryCandleCache(settings);
    cache.set('k', entry('AAPL'), 1000);
    jest.advanceTimersByTime(1500);

    expect(cache.get('k')).toBeUndefined();
    expect(cache.peekStale('k')?.ticker).toBe('AAPL');
  });

  it('forgets every range of a ticker, expired ones included', () => {
    jest.useFakeTimers();
    const cache = new MemoryCandleCache(settings);
    cache.set('AAPL|D|a|b', entry('AAPL'), 1000);
    cache.set('AAPL|5|a|b', entry('AAPL'), 60_000);
    cache.set('MSFT|D|a|b', entry('MSFT'), 60_000);
    jest.advanceTimersByTime(1500);

    cache.deleteTicker('AAPL');

    expect(cache.peekStale('AAPL|D|a|b')).toBeUndefined();
    expect(cache.peekStale('AAPL|5|a|b')).toBeUndefined();
    expect(cache.get('MSFT|D|a|b')?.ticker).toBe('MSFT');
  });
});
