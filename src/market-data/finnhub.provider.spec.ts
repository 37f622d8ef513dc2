import type { PinoLogger } from 'nestjs-pino';
import { loadSettings } from '../config/settings';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { FinnhubProvider } from './finnhub.provider';

const env = {
  AWS_REGION: 'us-east-1', USERS_TABLE: 'users', OHLC_CACHE_TABLE: 'ohlc', QUOTA_TABLE: 'quota', TICKER_LIST_BUCKET: 'bucket',
  AUTH_JWT_SECRET: 'a-test-secret-of-at-least-32-characters', AUTH_ISSUER: 'iss', AUTH_AUDIENCE: 'aud',
  FINNHUB_API_KEY: 'finnhub-secret', FINNHUB_BASE_URL: 'http://finnhub.test',
};
const logger = { warn: jest.fn() } as unknown as PinoLogger;
const week = { start: '2026-11-23', end: '2026-11-27' };
const epoch = (iso: string): number => Date.parse(iso) / 1000;

describe(FinnhubProvider.name, () => {
  const fetchMock = jest.spyOn(globalThis, 'fetch');
  const provider = new FinnhubProvider(loadSettings(env), new MarketCalendar(), logger);
  const answer = (status: number, body: unknown): void => {
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify(body), { status }));
  };
  const requestedQuery = (): Record<string, string> =>
    Object.fromEntries(new URL((fetchMock.mock.calls.at(-1) as [URL])[0]).searchParams);

  afterEach(() => fetchMock.mockReset());
  afterAll(() => fetchMock.mockRestore());

  it('covers whole New York days for intraday bars and maps epoch seconds to UTC ISO', async () => {
    answer(200, { s: 'ok', t: [epoch('2026-11-27T17:55:00Z'), epoch('2026-11-23T14:30:00Z')], o: [1, 2], h: [3, 4], l: [0, 1], c: [2, 3], v: [5, null] });

    const candles = await provider.fetchCandles('AAPL', '5', week, AbortSignal.timeout(1000));

    expect(requestedQuery()).toEqual({
      symbol: 'AAPL', resolution: '5', from: String(epoch('2026-11-23T05:00:00Z')), to: String(epoch('2026-11-28T04:59:59Z')),
    });
    expect((fetchMock.mock.calls.at(-1) as [URL, RequestInit])[1].headers).toMatchObject({ 'X-Finnhub-Token': 'finnhub-secret' });
    expect(candles.map((c) => [c.time, c.volume])).toEqual([['2026-11-23T14:30:00.000Z', 0], ['2026-11-27T17:55:00.000Z', 5]]);
  });

  it('reads daily bars stamped 00:00 UTC as session dates', async () => {
    answer(200, { s: 'ok', t: [epoch('2026-11-24T00:00:00Z')], o: [1], h: [2], l: [0.5], c: [1.5] });

    const candles = await provider.fetchCandles('AAPL', 'D', week, AbortSignal.timeout(1000));

    expect(requestedQuery()).toMatchObject({ from: String(epoch('2026-11-23T00:00:00Z')), to: String(epoch('2026-11-27T23:59:59Z')) });
    expect(candles).toEqual([{ time: '2026-11-24', open: 1, high: 2, low: 0.5, close: 1.5, volume: 0 }]);
  });

  it('treats no_data as an empty answer and keeps the token out of error messages', async () => {
    answer(200, { s: 'no_data' });
    await expect(provider.fetchCandles('AAPL', 'D', week, AbortSignal.timeout(1000))).resolves.toEqual([]);

    answer(503, { error: 'down' });
    const error = (await provider.fetchCandles('AAPL', 'D', week, AbortSignal.timeout(1000)).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ status: 503 });
    expect(error.message).not.toContain('finnhub-secret');
  });
});
