import request from 'supertest';
import { WriteBehindQueue } from '../../src/ohlc/fetch/write-behind';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { nyseTradingDays } from '../support/nyse-schedule';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv, TestClock } from './ohlc.fixtures';

/** Monday 2026-11-30, 17:00 ET: every session up to today has closed. */
const AFTER_CLOSE = '2026-11-30T22:00:00.000Z';

describe('OHLC candles (e2e)', () => {
  const clock = new TestClock(new Date(AFTER_CLOSE));
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let env: Record<string, string>;
  let testApp: TestApp;
  let auth: string;
  /** How far the simulated providers' clock lags the service's: end-of-day bars published late. */
  let publishLagMs = 0;

  const startApp = (): Promise<TestApp> =>
    startTestApp(env, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) });
  const ohlc = (app: TestApp, ticker: string, query: Record<string, string>) =>
    request(app.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', auth);
  /** Write-behind is not awaited by responses; tests that read DynamoDB next wait for it. */
  const flushWrites = (app: TestApp) => app.app.get(WriteBehindQueue).flush(10_000);

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: () => new Date(clock.now().getTime() - publishLagMs) });
    env = { ...resources.env, ...simulatorEnv(simulator) };
    testApp = await startApp();
    auth = await testApp.bearer('user-1');
  });
  afterEach(() => {
    simulator.reset();
    clock.set(AFTER_CLOSE);
    publishLagMs = 0;
  });
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('answers from tiingo, then memory, then DynamoDB after a restart, with identical candles', async () => {
    const query = { resolution: 'D', start_date: '2026-11-02', end_date: '2026-11-13' };
    const first = await ohlc(testApp, 'aapl', query).expect(200);
    const second = await ohlc(testApp, 'AAPL', query).expect(200);
    await testApp.close();
    testApp = await startApp();
    const third = await ohlc(testApp, 'AAPL', query).expect(200);

    expect([first, second, third].map((r) => r.headers['x-cache-source'])).toEqual(['tiingo', 'in-memory', 'dynamodb']);
    const body = first.body as CandleBody;
    expect(body).toMatchObject({ ticker: 'AAPL', resolution: 'D', start_date: '2026-11-02', end_date: '2026-11-13', source: 'tiingo', count: 10 });
    expect(body.candles.map((c) => c.date)).toEqual(nyseTradingDays('2026-11-02', '2026-11-13'));
    expect(body.candles).toHaveLength(10);
    expect(body.candles.every((c) => Number.isInteger(c.volume))).toBe(true);
    expect(second.body).toEqual(body);
    expect(third.body).toEqual(body);
    for (const res of [first, second, third]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-cache-age']).toMatch(/^\d+$/);
    }
    expect(simulator.calls()).toBe(1);
  });

  it('gives 78 + 0 + 42 five-minute bars over Thanksgiving and its early close', async () => {
    const res = await ohlc(testApp, 'MSFT', { resolution: '5', start_date: '2026-11-25', end_date: '2026-11-27' }).expect(200);

    const body = res.body as CandleBody;
    const perDay = (day: string) => body.candles.filter((c) => c.date.startsWith(day)).length;
    expect([perDay('2026-11-25'), perDay('2026-11-26'), perDay('2026-11-27')]).toEqual([78, 0, 42]);
    expect(body.count).toBe(120);
    expect(body.candles).toHaveLength(120);
    expect(body.candles[0].date).toBe('2026-11-25T14:30:00.000Z');
    expect(body.candles.every((c) => Number.isInteger(c.volume))).toBe(true);
  });

  it('fetches only the missing spans of a month whose middle week is cached', async () => {
    await ohlc(testApp, 'NVDA', { start_date: '2026-10-12', end_date: '2026-10-16' }).expect(200);
    await flushWrites(testApp);
    simulator.reset();

    const month = await ohlc(testApp, 'NVDA', { start_date: '2026-10-01', end_date: '2026-10-30' }).expect(200);

    expect(simulator.callLog.map((call) => [call.query.startDate, call.query.endDate])).toEqual(
      expect.arrayContaining([
        ['2026-10-01', '2026-10-09'],
        ['2026-10-19', '2026-10-30'],
      ]),
    );
    expect(simulator.calls()).toBe(2);
    expect(month.headers['x-cache-source']).toBe('tiingo');
    expect((month.body as CandleBody).candles.map((c) => c.date)).toEqual(nyseTradingDays('2026-10-01', '2026-10-30'));
  });

  it('fails over to finnhub when tiingo answers 500 or hangs', async () => {
    simulator.failWith('tiingo', 500);
    const afterError = await ohlc(testApp, 'AMD', { start_date: '2026-11-02', end_date: '2026-11-06' }).expect(200);
    simulator.reset();
    simulator.hang('tiingo', true);
    const afterTimeout = await ohlc(testApp, 'INTC', { start_date: '2026-11-02', end_date: '2026-11-06' }).expect(200);

    expect(afterError.headers['x-cache-source']).toBe('finnhub');
    expect(afterError.body).toMatchObject({ source: 'finnhub', count: 5 });
    expect(afterTimeout.headers['x-cache-source']).toBe('finnhub');
    expect(simulator.calls('finnhub')).toBe(1);
  });

  it('serves the expired copy as stale while both providers are down, from memory and from DynamoDB', async () => {
    clock.set('2026-11-30T16:00:00.000Z'); // 11:00 ET: today's session is open
    const fresh = await ohlc(testApp, 'ORCL', { resolution: '5', range: '1D' }).expect(200);
    await flushWrites(testApp);
    clock.advance(10 * 60_000);
    simulator.failWith('tiingo', 503);
    simulator.failWith('finnhub', 503);

    const fromMemory = await ohlc(testApp, 'ORCL', { resolution: '5', range: '1D' }).expect(200);
    const otherInstance = await startApp();
    const fromDynamodb = await ohlc(otherInstance, 'ORCL', { resolution: '5', range: '1D' }).expect(200);
    await otherInstance.close();

    expect(fresh.headers['x-cache-source']).toBe('tiingo');
    expect((fresh.body as CandleBody).count).toBe(19); // 09:30 … 11:00 ET, the forming bar included
    for (const stale of [fromMemory, fromDynamodb]) {
      expect(stale.headers['x-cache-source']).toBe('stale');
      expect(stale.headers['x-cache-age']).toBe('600');
      expect(stale.body).toEqual(fresh.body);
    }
  });

  it('does not keep a just-closed session without its end-of-day bar, and shows the bar once published', async () => {
    const query = { resolution: 'D', start_date: '2026-11-23', end_date: '2026-11-30' };
    clock.set('2026-11-30T21:02:00.000Z'); // Monday 16:02 ET: the session has just closed
    publishLagMs = 10 * 60_000; // the provider has not published Monday's bar yet
    const early = await ohlc(testApp, 'ADBE', query).expect(200);
    await flushWrites(testApp);
    publishLagMs = 0;
    clock.advance(5 * 60_000 + 1000);

    const later = await ohlc(testApp, 'ADBE', query).expect(200);

    const dates = (res: request.Response) => (res.body as CandleBody).candles.map((c) => c.date);
    expect(dates(early)).toEqual(nyseTradingDays('2026-11-23', '2026-11-27'));
    expect(later.headers['x-cache-source']).toBe('tiingo');
    expect(dates(later)).toEqual(nyseTradingDays('2026-11-23', '2026-11-30'));
    // Only the unpublished session was fetched again; the earlier ones stayed cached.
    expect(simulator.callLog.map((call) => [call.query.startDate, call.query.endDate])).toEqual([
      ['2026-11-23', '2026-11-30'],
      ['2026-11-30', '2026-11-30'],
    ]);
  });

  it('answers 504 with Retry-After within the deadline when both providers hang, or a cached copy (memory or DynamoDB) as stale', async () => {
    const deadlineMs = 1500;
    const shortDeadline = await startTestApp(
      { ...env, REQUEST_DEADLINE_MS: String(deadlineMs) },
      { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) },
    );
    try {
      clock.set('2026-11-30T16:00:00.000Z'); // 11:00 ET: today's session is open
      const fresh = await ohlc(shortDeadline, 'QCOM', { resolution: '5', range: '1D' }).expect(200);
      await flushWrites(shortDeadline);
      clock.advance(10 * 60_000);
      simulator.hang('tiingo', true);
      simulator.hang('finnhub', true);

      const timedOut = await ohlc(shortDeadline, 'TXN', { resolution: '5', range: '1D' });
      const txnCalls = (): number => simulator.callLog.filter((call) => call.ticker === 'TXN').length;
      const txnCallsAtAnswer = txnCalls();
      const stale = await ohlc(shortDeadline, 'QCOM', { resolution: '5', range: '1D' });

      expect(timedOut.status).toBe(504);
      expect(timedOut.body).toMatchObject({ status: 504, code: 'DEPENDENCY_TIMEOUT' });
      // Hung providers give no hint of their own: the default 5 s.
      expect(timedOut.headers['retry-after']).toBe('5');
      // The deadline ended the request's provider calls: none was started for TXN after the answer.
      expect(txnCallsAtAnswer).toBeGreaterThan(0);
      expect(txnCalls()).toBe(txnCallsAtAnswer);
      expect(stale.status).toBe(200);
      expect(stale.headers['x-cache-source']).toBe('stale');
      expect(stale.body).toEqual(fresh.body);

      // A new instance has nothing in memory: the stale copy comes from DynamoDB, although the
      // hung providers used up the request's whole deadline.
      const restarted = await startTestApp(
        { ...env, REQUEST_DEADLINE_MS: String(deadlineMs) },
        { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) },
      );
      try {
        const fromDynamo = await ohlc(restarted, 'QCOM', { resolution: '5', range: '1D' });
        expect(fromDynamo.status).toBe(200);
        expect(fromDynamo.headers['x-cache-source']).toBe('stale');
        expect(fromDynamo.body.candles).toEqual(fresh.body.candles);
        // Seconds after TXN's 504, still nothing was sent upstream on its behalf.
        expect(txnCalls()).toBe(txnCallsAtAnswer);
      } finally {
        await restarted.close();
      }
    } finally {
      simulator.reset();
      await shortDeadline.close();
    }
  });

  it('answers 503 with Retry-After when both providers are down and nothing is cached', async () => {
    simulator.failWith('tiingo', 500);
    simulator.failWith('finnhub', 500);

    const res = await ohlc(testApp, 'IBM', { start_date: '2026-11-02', end_date: '2026-11-06' });

    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 503, code: 'DEPENDENCY_UNAVAILABLE' });
    // 500s carry no hint of when the providers are back: the default 5 s.
    expect(res.headers['retry-after']).toBe('5');
  });

  it('answers 404 TICKER_NOT_FOUND for a listed ticker the providers do not know, and asks them only once', async () => {
    simulator.unknownTickers(['DOW']);

    const first = await ohlc(testApp, 'DOW', { start_date: '2026-11-02', end_date: '2026-11-06' });
    const again = await ohlc(testApp, 'DOW', { start_date: '2026-10-05', end_date: '2026-10-09' });

    for (const res of [first, again]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('TICKER_NOT_FOUND');
    }
    expect(simulator.calls()).toBe(1);
  });

  it('lets only admins clear a ticker, after which the next answer comes from a provider', async () => {
    const query = { start_date: '2026-11-09', end_date: '2026-11-13' };
    await ohlc(testApp, 'META', query).expect(200);
    await flushWrites(testApp);
    const admin = await testApp.bearer('admin-1', { roles: ['admin'] });

    await request(testApp.server).delete('/api/v2/tickers/META/ohlc/cache').set('Authorization', auth).expect(403);
    await request(testApp.server).delete('/api/v2/tickers/meta/ohlc/cache').set('Authorization', admin).expect(204);
    const after = await ohlc(testApp, 'META', query).expect(200);

    expect(after.headers['x-cache-source']).toBe('tiingo');
    expect(simulator.calls()).toBe(2);
  });

  // Last: a 429 makes this process leave the providers alone for the Retry-After.
  it('answers 429 THROTTLED with Retry-After when both providers throttle and nothing is cached', async () => {
    simulator.throttle('tiingo', 2);
    simulator.throttle('finnhub', 2);

    const res = await ohlc(testApp, 'CSCO', { start_date: '2026-11-02', end_date: '2026-11-06' });

    expect(res.status).toBe(429);
    expect(res.body.code).toBe('THROTTLED');
    // The providers' own Retry-After (2 s), not a default.
    expect(res.headers['retry-after']).toBe('2');
  });
});
