import { NYSE_SCHEDULE_SPANS, nyseSession, nyseTradingDays } from '../support/nyse-schedule';
import { MarketDataSimulator, startMarketDataSimulator } from '../support/market-data-simulator';

interface TiingoRow {
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number | null;
}

interface FinnhubCandles {
  s: 'ok' | 'no_data';
  t?: number[];
  o?: number[];
  h?: number[];
  l?: number[];
  c?: number[];
  v?: Array<number | null>;
}

const epoch = (iso: string): number => Date.parse(iso) / 1000;

describe('market-data simulator', () => {
  // Saturday 2026-11-21, 22:00 in New York: the whole week before is history.
  let now = new Date('2026-11-22T03:00:00Z');
  let simulator: MarketDataSimulator;

  const tiingo = (path: string, key = simulator.tiingoApiKey): Promise<Response> =>
    fetch(`${simulator.tiingoBaseUrl}${path}`, { headers: { Authorization: `Token ${key}` } });
  const finnhub = (query: string, token = simulator.finnhubApiKey): Promise<Response> =>
    fetch(`${simulator.finnhubBaseUrl}/api/v1/stock/candle?${query}`, { headers: { 'X-Finnhub-Token': token } });
  const tiingoDaily = async (ticker: string, start: string, end: string): Promise<TiingoRow[]> =>
    (await tiingo(`/tiingo/daily/${ticker}/prices?startDate=${start}&endDate=${end}`)).json() as Promise<TiingoRow[]>;

  beforeAll(async () => {
    simulator = await startMarketDataSimulator({ clock: () => now });
  });
  afterEach(() => {
    now = new Date('2026-11-22T03:00:00Z');
    simulator.reset();
  });
  afterAll(() => simulator.close());

  it('serves the same consistent daily candles on every call, one per trading day', async () => {
    const first = await tiingoDaily('AAPL', '2026-11-23', '2026-11-27');
    // Thanksgiving week, seen from after Friday's close.
    now = new Date('2026-11-28T00:00:00Z');
    const again = await tiingoDaily('aapl', '2026-11-16', '2026-11-27');
    expect(first).toEqual([]);
    expect(again.map((row) => row.date)).toEqual([
      '2026-11-16T00:00:00.000Z', '2026-11-17T00:00:00.000Z', '2026-11-18T00:00:00.000Z', '2026-11-19T00:00:00.000Z',
      '2026-11-20T00:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-11-24T00:00:00.000Z', '2026-11-25T00:00:00.000Z',
      '2026-11-27T00:00:00.000Z',
    ]);
    expect(await tiingoDaily('AAPL', '2026-11-16', '2026-11-27')).toEqual(again);
    for (const row of again) {
      expect(row.high).toBeGreaterThanOrEqual(Math.max(row.open, row.close));
      expect(row.low).toBeLessThanOrEqual(Math.min(row.open, row.close));
      expect(Number.isInteger(row.volume) && (row.volume as number) > 0).toBe(true);
    }
  });

  it('gives the same daily OHLC through Tiingo and Finnhub', async () => {
    const [tiingoRow] = await tiingoDaily('MSFT', '2026-11-20', '2026-11-20');
    const response = await finnhub(`symbol=MSFT&resolution=D&from=${epoch('2026-11-20T00:00:00Z')}&to=${epoch('2026-11-20T23:59:59Z')}`);
    const candles = (await response.json()) as FinnhubCandles;
    expect(candles).toEqual({
      s: 'ok', t: [epoch('2026-11-20T00:00:00Z')], o: [tiingoRow.open], h: [tiingoRow.high], l: [tiingoRow.low],
      c: [tiingoRow.close], v: [tiingoRow.volume],
    });
  });

  it('serves every intraday bar of the sessions, none in the future, identical across providers', async () => {
    now = new Date('2026-11-28T00:00:00Z');
    const query = 'startDate=2026-11-25&endDate=2026-11-27&resampleFreq=5min&columns=open,high,low,close,volume';
    const week = (await (await tiingo(`/iex/SPY/prices?${query}`)).json()) as TiingoRow[];
    expect(week).toHaveLength(78 + 42);
    expect(week[0].date).toBe('2026-11-25T14:30:00.000Z');
    expect(week.at(-1)?.date).toBe('2026-11-27T17:55:00.000Z');

    now = new Date('2026-11-20T15:02:00Z'); // 10:02 in New York
    const live = (await (await tiingo('/iex/SPY/prices?startDate=2026-11-20&endDate=2026-11-20&resampleFreq=5min')).json()) as TiingoRow[];
    expect(live.map((bar) => bar.date.slice(11, 16))).toEqual(['14:30', '14:35', '14:40', '14:45', '14:50', '14:55', '15:00']);
    expect(live[0]).not.toHaveProperty('volume');
    const fromFinnhub = (await (await finnhub(`symbol=SPY&resolution=5&from=${epoch('2026-11-20T00:00:00Z')}&to=${epoch('2026-11-21T00:00:00Z')}`)).json()) as FinnhubCandles;
    expect(fromFinnhub.t).toEqual(live.map((bar) => epoch(bar.date)));
    expect(fromFinnhub.o).toEqual(live.map((bar) => bar.open));
    expect(await tiingoDaily('SPY', '2026-11-20', '2026-11-20')).toEqual([]);
  });

  it('refuses calls without the API key', async () => {
    const tiingoResponse = await fetch(`${simulator.url}/tiingo/daily/AAPL/prices?startDate=2026-11-20&endDate=2026-11-20`);
    const finnhubResponse = await finnhub('symbol=AAPL&resolution=D&from=0&to=1', 'wrong');
    expect(tiingoResponse.status).toBe(401);
    expect(finnhubResponse.status).toBe(401);
    expect(await finnhubResponse.json()).toEqual({ error: 'Invalid API key' });
  });

  it('reports unknown tickers as 404 (Tiingo) and no_data (Finnhub)', async () => {
    simulator.unknownTickers(['acme']);
    const zz = await tiingo('/tiingo/daily/ZZTOP/prices?startDate=2026-11-20&endDate=2026-11-20');
    const acme = await tiingo('/iex/ACME/prices?startDate=2026-11-20&endDate=2026-11-20&resampleFreq=1hour');
    const fromFinnhub = await finnhub(`symbol=ZZTOP&resolution=D&from=${epoch('2026-11-20T00:00:00Z')}&to=${epoch('2026-11-21T00:00:00Z')}`);
    expect([zz.status, acme.status]).toEqual([404, 404]);
    expect(await zz.json()).toEqual({ detail: "Error: Ticker 'ZZTOP' not found" });
    expect(await fromFinnhub.json()).toEqual({ s: 'no_data' });
  });

  it('throttles with Retry-After and fails on demand, per provider', async () => {
    simulator.throttle('tiingo', 30);
    simulator.failWith('finnhub', 503);
    const throttled = await tiingo('/tiingo/daily/AAPL/prices?startDate=2026-11-20&endDate=2026-11-20');
    const failed = await finnhub('symbol=AAPL&resolution=D&from=0&to=1');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('30');
    expect(failed.status).toBe(503);
    simulator.reset();
    expect((await tiingo('/tiingo/daily/AAPL/prices?startDate=2026-11-20&endDate=2026-11-20')).status).toBe(200);
  });

  it('sends null or no volumes when asked to', async () => {
    simulator.nullVolumes('tiingo', true);
    simulator.nullVolumes('finnhub', 'omit');
    const [row] = await tiingoDaily('AAPL', '2026-11-20', '2026-11-20');
    const candles = (await (await finnhub(`symbol=AAPL&resolution=D&from=${epoch('2026-11-20T00:00:00Z')}&to=${epoch('2026-11-20T00:00:00Z')}`)).json()) as FinnhubCandles;
    expect(row.volume).toBeNull();
    expect(candles.s).toBe('ok');
    expect(candles).not.toHaveProperty('v');
  });

  it('counts and logs data calls without the token', async () => {
    await tiingoDaily('AAPL', '2026-11-20', '2026-11-20');
    await tiingo('/tiingo/daily/AAPL/prices', 'wrong');
    await finnhub('symbol=msft&resolution=60&from=0&to=1');
    expect([simulator.calls(), simulator.calls('tiingo'), simulator.calls('finnhub')]).toEqual([3, 2, 1]);
    expect(simulator.callLog.at(-1)).toEqual({
      provider: 'finnhub', ticker: 'MSFT', path: '/api/v1/stock/candle', query: { symbol: 'msft', resolution: '60', from: '0', to: '1' },
    });
  });

  it('holds calls while hung and answers them when released', async () => {
    simulator.hang('finnhub', true);
    const pending = finnhub(`symbol=AAPL&resolution=D&from=${epoch('2026-11-16T00:00:00Z')}&to=${epoch('2026-11-20T00:00:00Z')}`);
    await simulator.waitForCalls(1, 'finnhub');
    simulator.hang('finnhub', false);
    expect((await pending).status).toBe(200);
  });

  it('refuses with 500 to guess about a date outside its literal NYSE schedule', async () => {
    const res = await tiingo('/tiingo/daily/AAPL/prices?startDate=2019-01-02&endDate=2019-01-04');

    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ detail: expect.stringContaining('outside the simulator') });
  });

  it('adds pre-market and after-hours bars only when asked to, around the 13:00 close of Christmas Eve', async () => {
    now = new Date('2026-12-26T00:00:00Z');
    const bars = async (): Promise<string[]> =>
      ((await (await tiingo('/iex/AAPL/prices?startDate=2026-12-24&endDate=2026-12-24&resampleFreq=60min')).json()) as TiingoRow[]).map((r) => r.date);

    const regular = await bars();
    simulator.extendedHours('tiingo', true);
    const extended = await bars();

    // 09:30–13:00 ET (EST, UTC−5): 14:30Z … 17:30Z; extended: 04:30 ET to 17:00 ET.
    expect(regular).toEqual(['2026-12-24T14:30:00.000Z', '2026-12-24T15:30:00.000Z', '2026-12-24T16:30:00.000Z', '2026-12-24T17:30:00.000Z']);
    expect(extended).toHaveLength(13);
    expect(extended[0]).toBe('2026-12-24T09:30:00.000Z');
    expect(extended.at(-1)).toBe('2026-12-24T21:30:00.000Z');
    expect(extended).toEqual(expect.arrayContaining(regular));
  });

  it('keeps UTC offsets that agree with the platform time-zone database on every DST switch it lists', () => {
    const newYorkHour = (ms: number): number =>
      Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hour: 'numeric', hourCycle: 'h23' }).format(ms));
    const sessions = NYSE_SCHEDULE_SPANS.flatMap(([start, end]) => nyseTradingDays(start, end)).map((date) => nyseSession(date)!);

    expect(sessions.length).toBeGreaterThan(1700);
    expect(sessions.filter((s) => newYorkHour(s.openMs) !== 9 || new Date(s.openMs).getUTCMinutes() !== 30)).toEqual([]);
    expect(sessions.filter((s) => newYorkHour(s.closeMs) !== (s.earlyClose ? 13 : 16))).toEqual([]);
  });

  it('switches faults through POST /__control', async () => {
    const control = await fetch(`${simulator.url}/__control`, { method: 'POST', body: JSON.stringify({ provider: 'finnhub', failWith: 500 }) });
    expect(control.status).toBe(200);
    expect((await finnhub('symbol=AAPL&resolution=D&from=0&to=1')).status).toBe(500);
    expect((await tiingo('/tiingo/daily/AAPL/prices?startDate=2026-11-20&endDate=2026-11-20')).status).toBe(200);
  });

  it('closes even while a hung call is pending', async () => {
    const doomed = await startMarketDataSimulator();
    doomed.hang('tiingo', true);
    const pending = fetch(`${doomed.tiingoBaseUrl}/tiingo/daily/AAPL/prices`, { headers: { Authorization: `Token ${doomed.tiingoApiKey}` } });
    await doomed.waitForCalls(1);
    await doomed.close();
    await expect(pending).rejects.toThrow();
  });
});
