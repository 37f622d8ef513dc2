import request from 'supertest';
import { OhlcCacheRepository } from '../../src/ohlc/store/ohlc-cache.repository';
import { CLOSED_SESSION_TTL_SECONDS } from '../../src/ohlc/store/coverage-plan';
import { toCandleItem, toCoverageItem } from '../../src/ohlc/store/ohlc-cache.items';
import { MarketCalendar } from '../../src/market-calendar/market-calendar';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv, TestClock } from './ohlc.fixtures';

/** Monday 2026-11-30, 17:00 ET: every session up to today has closed. */
const AFTER_CLOSE = '2026-11-30T22:00:00.000Z';
const ALLOWANCE = 3;

/** The shared provider quota cannot be drained by one user, by unknown symbols, or by fragmented ranges. */
describe('OHLC fair use of the provider quota (e2e)', () => {
  const clock = new TestClock(new Date(AFTER_CLOSE));
  const calendar = new MarketCalendar(clock.now);
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let instances: TestApp[];

  const ohlc = async (app: TestApp, user: string, ticker: string, query: Record<string, string>) =>
    request(app.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', await app.bearer(user));

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: clock.now });
    const env = {
      ...resources.env,
      ...simulatorEnv(simulator),
      OHLC_USER_UPSTREAM_PER_HOUR: String(ALLOWANCE),
      // Call counts are under test, not latency: a loaded machine must not turn the 5-year fetch into a timeout.
      REQUEST_DEADLINE_MS: '20000',
    };
    // Two instances over the same tables: the allowance is counted in DynamoDB, not per process.
    instances = await Promise.all(
      [0, 1].map(() => startTestApp(env, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) })),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(async () => {
    await Promise.all(instances?.map((app) => app.close()) ?? []);
    await simulator?.close();
    await resources?.destroy();
  });

  it('answers 429 RATE_LIMITED to a user past their allowance on any instance, still serves them cached ranges, and serves another user', async () => {
    const weeks = ['2026-09-07', '2026-09-14', '2026-09-21', '2026-09-28', '2026-10-05'].map((monday) => ({
      start_date: monday,
      end_date: calendar.tradingDays(monday, '2026-12-31')[4],
    }));
    const allowed = [];
    for (const [i, week] of weeks.slice(0, ALLOWANCE).entries()) allowed.push(await ohlc(instances[i % 2], 'looper', 'AMZN', week));

    const limited = await ohlc(instances[1], 'looper', 'AMZN', weeks[ALLOWANCE]);
    const cached = await ohlc(instances[0], 'looper', 'AMZN', weeks[0]);
    const otherUser = await ohlc(instances[0], 'patient', 'AMZN', weeks[ALLOWANCE]);
    // The same cold range at once: the other user never inherits the limited user's 429 (the limited
    // user may get 200 when it joined the other user's load, which costs it nothing).
    const [limitedAgain, sharing] = await Promise.all([
      ohlc(instances[1], 'looper', 'AMZN', weeks[ALLOWANCE + 1]),
      ohlc(instances[1], 'patient', 'AMZN', weeks[ALLOWANCE + 1]),
    ]);

    expect(allowed.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', details: { limit: ALLOWANCE, window: 'hour' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(cached.status).toBe(200);
    expect(cached.headers['x-cache-source']).toBe('in-memory');
    expect(otherUser.status).toBe(200);
    expect(otherUser.headers['x-cache-source']).toBe('tiingo');
    expect(sharing.status).toBe(200);
    expect([200, 429]).toContain(limitedAgain.status);
    expect(simulator.calls()).toBe(ALLOWANCE + 2);
  });

  it('answers 400 INVALID_TICKER to 100 requests for symbols outside the ticker list without calling a provider', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => ohlc(instances[i % 2], `user-${i}`, i % 2 === 0 ? 'ZZZZ' : 'FB', {})),
    );

    expect(responses.map((res) => res.status)).toEqual(Array(100).fill(400));
    expect(responses[0].body).toMatchObject({ code: 'INVALID_TICKER', details: { symbol: 'ZZZZ', reason: 'unknown' } });
    expect(responses[1].body).toMatchObject({ code: 'INVALID_TICKER', details: { symbol: 'FB', reason: 'delisted', successor_symbol: 'META' } });
    expect(simulator.calls()).toBe(0);
  });

  it('fetches a 5-year range whose cached parts leave 600 gaps with at most 3 provider calls', async () => {
    const start = '2021-12-02';
    const end = '2026-11-30';
    const days = calendar.tradingDays(start, end);
    const cachedDays = days.filter((_, i) => i % 2 === 1);
    const fetchedAt = clock.now().getTime();
    const expiresAt = Math.floor(fetchedAt / 1000) + CLOSED_SESSION_TTL_SECONDS;
    const candle = (time: string) => ({ time, open: 1, high: 1, low: 1, close: 1, volume: 1 });
    await instances[0].app.get(OhlcCacheRepository).putAll(
      cachedDays.flatMap((date) => [
        toCandleItem('KO', 'D', { candle: candle(date), source: 'tiingo', fetchedAt, epoch: 0 }, expiresAt),
        toCoverageItem('KO', 'D', { date, fetchedAt, complete: true, source: 'tiingo', epoch: 0 }, expiresAt),
      ]),
      () => undefined,
    );

    const res = await ohlc(instances[1], 'user-1', 'KO', { resolution: 'D', start_date: start, end_date: end });

    expect(days.length - cachedDays.length).toBeGreaterThanOrEqual(600);
    expect(res.status).toBe(200);
    expect(simulator.calls()).toBeLessThanOrEqual(3);
    expect((res.body as CandleBody).candles.map((c) => c.date)).toEqual(days);
  });

  it('answers 400 VALIDATION_FAILED for an end_date after today\'s market date, before any layer', async () => {
    const res = await ohlc(instances[0], 'user-1', 'AAPL', { start_date: '2026-11-30', end_date: '2026-12-01' });

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.errors).toEqual([expect.objectContaining({ field: 'end_date' })]);
    expect(simulator.calls()).toBe(0);
  });
});
