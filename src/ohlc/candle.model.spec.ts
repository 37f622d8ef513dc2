import { mergePieces } from './candle.model';

const candle = (time: string, close: number) => ({ time, open: 1, high: 2, low: 0.5, close, volume: 10 });

describe(mergePieces.name, () => {
  it('orders candles by time, keeps the oldest fetch time and the newest fetch source', () => {
    const cached = { candles: [candle('2026-11-18', 1)], source: 'tiingo' as const, fetchedAt: 1000, newestFetchAt: 1000 };
    const fetched = { candles: [candle('2026-11-19', 2), candle('2026-11-17', 3)], source: 'finnhub' as const, fetchedAt: 5000, newestFetchAt: 5000 };

    const merged = mergePieces([fetched, cached]);

    expect(merged.candles.map((c) => c.time)).toEqual(['2026-11-17', '2026-11-18', '2026-11-19']);
    expect(merged.fetchedAt).toBe(1000);
    expect(merged.source).toBe('finnhub');
  });

  it('lets the later piece win when two pieces hold the same candle time', () => {
    const a = { candles: [candle('2026-11-18', 1)], source: 'tiingo' as const, fetchedAt: 1, newestFetchAt: 1 };
    const b = { candles: [candle('2026-11-18', 9)], source: 'tiingo' as const, fetchedAt: 2, newestFetchAt: 2 };
    expect(mergePieces([a, b]).candles).toEqual([candle('2026-11-18', 9)]);
  });
});
