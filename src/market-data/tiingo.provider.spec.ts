import type { PinoLogger } from 'nestjs-pino';
import { loadSettings } from '../config/settings';
import { MarketCalendar } from '../market-calendar/market-calendar';
import { TickerNotFoundError } from './market-data.errors';
import { ProviderHttpError } from './provider-http';
import { TiingoProvider } from './tiingo.provider';

const env = {
  AWS_REGION: 'us-east-1', USERS_TABLE: 'users', OHLC_CACHE_TABLE: 'ohlc', QUOTA_TABLE: 'quota', TICKER_LIST_BUCKET: 'bucket',
  AUTH_JWT_SECRET: 'a-test-secret-of-at-least-32-characters', AUTH_ISSUER: 'iss', AUTH_AUDIENCE: 'aud',
  TIINGO_API_KEY: 'tiingo-secret', TIINGO_BASE_URL: 'http://tiingo.test',
};
const logger = { warn: jest.fn() } as unknown as PinoLogger;
const week = { start: '2026-11-23', end: '2026-11-27' };

describe(TiingoProvider.name, () => {
  const fetchMock = jest.spyOn(globalThis, 'fetch');
  const provider = new TiingoProvider(loadSettings(env), new MarketCalendar(), logger);
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    fetchMock.mockResolvedValueOnce(new Response(JSON.stringify(body), { status, headers }));
  };
  const requested = (): { url: URL; headers: Headers } => {
    const [url, init] = fetchMock.mock.calls.at(-1) as [URL, RequestInit];
    return { url: new URL(url), headers: new Headers(init.headers) };
  };

  afterEach(() => fetchMock.mockReset());
  afterAll(() => fetchMock.mockRestore());

  it('asks the IEX endpoint for resampled bars with volume, authenticated by header', async () => {
    answer(200, [{ date: '2026-11-23T14:30:00.000Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }]);

    const candles = await provider.fetchCandles('AAPL', '60', week, AbortSignal.timeout(1000));

    const { url, headers } = requested();
    expect(url.pathname).toBe('/iex/AAPL/prices');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      startDate: '2026-11-23', endDate: '2026-11-27', resampleFreq: '1hour', columns: 'open,high,low,close,volume',
    });
    expect(headers.get('authorization')).toBe('Token tiingo-secret');
    expect(candles).toEqual([{ time: '2026-11-23T14:30:00.000Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }]);
  });

  it('reads the session date of daily rows from /tiingo/daily', async () => {
    answer(200, [{ date: '2026-11-24T00:00:00.000Z', open: 1, high: 2, low: 0.5, close: 1.5, volume: null, adjClose: 9 }]);

    const candles = await provider.fetchCandles('MSFT', 'D', week, AbortSignal.timeout(1000));

    expect(requested().url.pathname).toBe('/tiingo/daily/MSFT/prices');
    expect(candles).toEqual([{ time: '2026-11-24', open: 1, high: 2, low: 0.5, close: 1.5, volume: 0 }]);
  });

  it('reports 404 as an unknown ticker and 429 with its Retry-After', async () => {
    answer(404, { detail: 'Error: Ticker not found' });
    await expect(provider.fetchCandles('ZZZ', 'D', week, AbortSignal.timeout(1000))).rejects.toBeInstanceOf(TickerNotFoundError);

    answer(429, { detail: 'limit' }, { 'retry-after': '90' });
    await expect(provider.fetchCandles('AAPL', 'D', week, AbortSignal.timeout(1000))).rejects.toMatchObject({
      constructor: ProviderHttpError, status: 429, retryAfterSeconds: 90,
    });
  });
});
