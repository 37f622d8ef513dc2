import request from 'supertest';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { BarMinutes, NYSE_SCHEDULE_SPANS, nyseBarStarts, nyseClosedWeekdays, nyseTradingDays } from '../support/nyse-schedule';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv } from './ohlc.fixtures';

/**
 * The service's market calendar against the simulator's literal NYSE schedule
 * (test/support/nyse-schedule.ts) on the days a rule is most likely to get wrong. Every
 * expectation comes from that schedule, never from src/ohlc.
 */
// Sunday 2028-12-31, 18:00 in New York: every session the schedule lists has closed.
const NOW = new Date('2028-12-31T23:00:00.000Z');

const barsOf = (dates: string[], minutes: BarMinutes): string[] =>
  dates.flatMap((date) => nyseBarStarts(date, minutes)).map((ms) => new Date(ms).toISOString());

describe('OHLC candles on NYSE edge days (e2e)', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let testApp: TestApp;
  let auth: string;

  const ohlc = (ticker: string, query: Record<string, string>) =>
    request(testApp.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', auth);
  const dates = (res: request.Response): string[] => (res.body as CandleBody).candles.map((c) => c.date);

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: () => NOW });
    testApp = await startTestApp(
      { ...resources.env, ...simulatorEnv(simulator) },
      { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: () => NOW }) },
    );
    auth = await testApp.bearer('calendar-user');
  });
  afterEach(() => simulator.reset());
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it.each([2024, 2025, 2026, 2027, 2028])('has a daily candle on exactly the NYSE trading days of %i', async (year) => {
    const res = await ohlc('AAPL', { resolution: 'D', start_date: `${year}-01-01`, end_date: `${year}-12-31` }).expect(200);

    const expected = nyseTradingDays(`${year}-01-01`, `${year}-12-31`);
    expect(expected.length).toBeGreaterThan(240);
    expect(dates(res)).toEqual(expected);
  });

  it.each([
    ['September 11 attacks', '2001-09-04', '2001-09-21'],
    ['President Reagan', '2004-06-07', '2004-06-18'],
    ['President Ford', '2006-12-26', '2007-01-12'],
    ['Hurricane Sandy', '2012-10-22', '2012-11-09'],
    ['President G. H. W. Bush', '2018-12-03', '2018-12-31'],
  ])('leaves out the one-off closure (%s) between %s and %s', async (_name, start, end) => {
    const res = await ohlc('MSFT', { resolution: 'D', start_date: start, end_date: end }).expect(200);

    expect(dates(res)).toEqual(nyseTradingDays(start, end));
  });

  /** Pre- and after-hours bars from the simulator: only the service's own session filter removes them. */
  const withExtendedHours = (): void => {
    simulator.extendedHours('tiingo', true);
    simulator.extendedHours('finnhub', true);
  };

  it.each([
    ['spring', '2026-03-06', '2026-03-09'],
    ['autumn', '2026-10-30', '2026-11-02'],
    ['spring', '2028-03-10', '2028-03-13'],
  ])('keeps 09:30 New York time across the %s DST switch (%s – %s)', async (_season, start, end) => {
    withExtendedHours();
    const res = await ohlc('NVDA', { resolution: '60', start_date: start, end_date: end }).expect(200);

    const expected = barsOf(nyseTradingDays(start, end), 60);
    expect(expected).toHaveLength(14);
    expect(dates(res)).toEqual(expected);
  });

  it.each([
    ['Monday 3 July', '2028-06-30', '2028-07-05', [13, 7, 13]],
    ['Christmas Eve on a Monday', '2018-12-21', '2018-12-26', [13, 7, 13]],
    ['Christmas Eve on a Thursday', '2026-12-23', '2026-12-28', [13, 7, 13]],
    ['the day after Thanksgiving', '2028-11-22', '2028-11-27', [13, 7, 13]],
  ])('ends the session at 13:00 ET on %s', async (_name, start, end, perDay) => {
    withExtendedHours();
    const res = await ohlc('AMD', { resolution: '30', start_date: start, end_date: end }).expect(200);

    const days = nyseTradingDays(start, end);
    expect(days.map((date) => nyseBarStarts(date, 30).length)).toEqual(perDay);
    expect(dates(res)).toEqual(barsOf(days, 30));
  });

  it.each([
    ['a weekend', '2026-11-28', '2026-11-29'],
    ['Thanksgiving', '2026-11-26', '2026-11-26'],
    ['Christmas and the weekend after it', '2026-12-25', '2026-12-27'],
    ['the Carter day of mourning', '2025-01-09', '2025-01-09'],
  ])('answers 200 with no candles and no provider call for %s only', async (_name, start, end) => {
    expect(nyseTradingDays(start, end)).toEqual([]);
    for (const resolution of ['D', '5']) {
      const res = await ohlc('INTC', { resolution, start_date: start, end_date: end });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ ticker: 'INTC', start_date: start, end_date: end, count: 0, candles: [] });
    }
    expect(simulator.calls()).toBe(0);
  });

  it('asks no provider about any closure the schedule lists, asked one day at a time', async () => {
    const closures = NYSE_SCHEDULE_SPANS.flatMap(([start, end]) => nyseClosedWeekdays(start, end));
    // 2001: 4, 2004: 1, 2007: 2, 2012: 2, 2018: 2, then 9 + 9 + 10 + 10 + 11 + 10 + 10 + 9 for 2021–2028.
    expect(closures).toHaveLength(89);

    const answers = [];
    for (const date of closures) answers.push(await ohlc('IBM', { resolution: 'D', start_date: date, end_date: date }));

    expect(answers.map((res) => [res.body.start_date, res.status, res.body.count])).toEqual(closures.map((date) => [date, 200, 0]));
    expect(simulator.calls()).toBe(0);
  });
});
