import type { CandleSet } from '../candle.model';
import { serializeOhlcResponse, toOhlcResponse } from './ohlc.responses';

const set: CandleSet = {
  candles: [{ time: '2026-11-02', open: 1, high: 2, low: 0.5, close: 1.5, volume: 100 }],
  source: 'tiingo',
  fetchedAt: 0,
};

describe(serializeOhlcResponse.name, () => {
  it('is the JSON of the response, in UTF-8', () => {
    const span = { start: '2026-11-02', end: '2026-11-02' };
    const body = serializeOhlcResponse('AAPL', 'D', span, set);
    expect(JSON.parse(body.toString('utf8'))).toEqual(JSON.parse(JSON.stringify(toOhlcResponse('AAPL', 'D', span, set))));
  });

  it('owns exactly its bytes, so a memory entry that keeps it holds no share of a pooled slab', () => {
    const body = serializeOhlcResponse('AAPL', 'D', { start: '2026-11-02', end: '2026-11-02' }, set);
    expect(body.buffer.byteLength).toBe(body.byteLength);
  });
});
