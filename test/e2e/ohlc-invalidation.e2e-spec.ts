import request from 'supertest';
import { CachePurge } from '../../src/ohlc/store/cache-purge';
import { CLOSED_SESSION_TTL_SECONDS } from '../../src/ohlc/store/coverage-plan';
import { toCandleItem, toCoverageItem } from '../../src/ohlc/store/ohlc-cache.items';
import { OhlcCacheRepository } from '../../src/ohlc/store/ohlc-cache.repository';
import { WriteBehindQueue } from '../../src/ohlc/fetch/write-behind';
import { MarketCalendar } from '../../src/market-calendar/market-calendar';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv, TestClock } from './ohlc.fixtures';

/** Monday 2026-11-30, 17:00 ET: every session up to today has closed. */
const AFTER_CLOSE = '2026-11-30T22:00:00.000Z';

/** The admin DELETE: exact on this instance from its answer on, whatever the ticker's size. */
describe('OHLC cache invalidation (e2e)', () => {
  const clock = new TestClock(new Date(AFTER_CLOSE));
  const calendar = new MarketCalendar(clock.now);
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let env: Record<string, string>;
  let testApp: TestApp;
  let auth: string;
  let admin: string;
  /** DELETE durations, printed for the report (asserted as outcomes, not as times). */
  const deleteMs: Record<string, number> = {};

  const startApp = (): Promise<TestApp> =>
    startTestApp(env, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) });
  const ohlc = (app: TestApp, ticker: string, query: Record<string, string>) =>
    request(app.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', auth);
  const clear = async (app: TestApp, ticker: string) => {
    const startedAt = performance.now();
    const res = await request(app.server).delete(`/api/v2/tickers/${ticker}/ohlc/cache`).set('Authorization', admin);
    deleteMs[ticker] = Math.round(performance.now() - startedAt);
    return res;
  };
  const flushWrites = (app: TestApp) => app.app.get(WriteBehindQueue).flush(10_000);
  const metric = async (app: TestApp, line: string) => {
    const text = (await request(app.server).get('/metrics').expect(200)).text;
    return Number(text.split('\n').find((l) => l.startsWith(`${line} `))?.split(' ')[1] ?? Number.NaN);
  };

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: clock.now });
    env = { ...resources.env, ...simulatorEnv(simulator) };
    testApp = await startApp();
    auth = await testApp.bearer('user-1');
    admin = await testApp.bearer('admin-1', { roles: ['admin'] });
  });
  afterEach(() => simulator.reset());
  afterAll(async () => {
    console.log(`DELETE durations (ms): ${JSON.stringify(deleteMs)}`);
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('after a DELETE during a slow in-flight fetch, serves no pre-delete candle: not from memory, DynamoDB, stale or that fetch', async () => {
    const cachedWeek = { start_date: '2026-11-02', end_date: '2026-11-06' };
    const inFlightWeek = { start_date: '2026-11-09', end_date: '2026-11-13' };
    await ohlc(testApp, 'NFLX', cachedWeek).expect(200);
    await flushWrites(testApp);
    simulator.setLatency('tiingo', 1500);
    const inFlight = ohlc(testApp, 'NFLX', inFlightWeek).then((res) => res);
    await simulator.waitForCalls(2);

    const deleted = await clear(testApp, 'NFLX');
    const [afterDelete, joined] = await Promise.all([ohlc(testApp, 'NFLX', cachedWeek), ohlc(testApp, 'NFLX', inFlightWeek)]);
    expect((await inFlight).status).toBe(200);
    await flushWrites(testApp);
    simulator.reset();
    simulator.failWith('tiingo', 503);
    simulator.failWith('finnhub', 503);
    // Only what was fetched after the delete may be served; the in-flight fetch's own write was dropped.
    const otherInstance = await startApp();
    const [inMemory, fromDynamodb] = await Promise.all([ohlc(testApp, 'NFLX', cachedWeek), ohlc(otherInstance, 'NFLX', inFlightWeek)]);
    await otherInstance.close();

    expect(deleted.status).toBe(204);
    expect(afterDelete.headers['x-cache-source']).toBe('tiingo');
    // A request after the delete started its own fetch instead of joining the one in flight.
    expect(joined.headers['x-cache-source']).toBe('tiingo');
    expect(await metric(testApp, 'ohlc_cache_writes_dropped_total')).toBeGreaterThanOrEqual(1);
    expect(inMemory.headers['x-cache-source']).toBe('in-memory');
    expect(fromDynamodb.headers['x-cache-source']).toBe('dynamodb');
  });

  it('after a DELETE, a provider outage finds no stale copy on any layer', async () => {
    const week = { resolution: '5', start_date: '2026-11-23', end_date: '2026-11-24' };
    await ohlc(testApp, 'PYPL', week).expect(200);
    await flushWrites(testApp);

    expect((await clear(testApp, 'PYPL')).status).toBe(204);
    simulator.failWith('tiingo', 503);
    simulator.failWith('finnhub', 503);
    const otherInstance = await startApp();
    const answers = await Promise.all([ohlc(testApp, 'PYPL', week), ohlc(otherInstance, 'PYPL', week)]);
    await otherInstance.close();

    // An outage answer, never candles: 503, or 504 when a cold instance on a loaded machine used up
    // the request's deadline retrying the failing providers.
    for (const res of answers) {
      expect([[503, 'DEPENDENCY_UNAVAILABLE'], [504, 'DEPENDENCY_TIMEOUT']]).toContainEqual([res.status, res.body.code]);
      expect(res.body.candles).toBeUndefined();
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it('answers a DELETE on a ticker with 20 000 stored candles at once, then purges them in the background', async () => {
    const days = calendar.tradingDays('2026-08-03', '2026-11-30').slice(0, 52);
    const fetchedAt = clock.now().getTime();
    const expiresAt = Math.floor(fetchedAt / 1000) + CLOSED_SESSION_TTL_SECONDS;
    const items = days.flatMap((date) => {
      const open = Date.parse(calendar.session(date)!.open);
      const candles = Array.from({ length: 390 }, (_, i) => new Date(open + i * 60_000).toISOString());
      return [
        ...candles.map((time) => toCandleItem('WDAY', '1', { candle: { time, open: 1, high: 1, low: 1, close: 1, volume: 1 }, source: 'tiingo', fetchedAt, epoch: 0 }, expiresAt)),
        toCoverageItem('WDAY', '1', { date, fetchedAt, complete: true, source: 'tiingo', epoch: 0 }, expiresAt),
      ];
    });
    await testApp.app.get(OhlcCacheRepository).putAll(items, () => undefined, {
      deadline: { signal: AbortSignal.timeout(120_000), deadlineAt: Date.now() + 120_000 },
    });
    const lastWeek = { resolution: '1', start_date: days.at(-5)!, end_date: days.at(-1)! };
    expect((await ohlc(testApp, 'WDAY', lastWeek).expect(200)).headers['x-cache-source']).toBe('dynamodb');
    const purgedBefore = await metric(testApp, 'ohlc_cache_purged_items_total');

    const deleted = await clear(testApp, 'WDAY');
    const afterDelete = await ohlc(testApp, 'WDAY', lastWeek);
    await testApp.app.get(CachePurge).idle();

    expect(items.length).toBeGreaterThanOrEqual(20_000);
    expect(deleted.status).toBe(204);
    expect(afterDelete.headers['x-cache-source']).toBe('tiingo');
    expect(await metric(testApp, 'ohlc_cache_purged_items_total')).toBe(purgedBefore + items.length);
    expect(await metric(testApp, 'ohlc_cache_purges_total{outcome="done"}')).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
