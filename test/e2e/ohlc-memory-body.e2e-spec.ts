import { PutCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { AwsClients } from '../../src/infrastructure/aws-clients';
import { encodeBars } from '../../src/ohlc/live/live-bars.items';
import { livePk } from '../../src/ohlc/store/ohlc-cache.items';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv, TestClock } from './ohlc.fixtures';

/** Monday 2026-11-30, 10:00 ET: today's session is open. */
const TEN_AM = '2026-11-30T15:00:00.000Z';

/**
 * A memory hit writes the bytes kept with its entry: they must be exactly what a fresh answer
 * sends, and never stand in for an answer whose candles differ (live bars laid over them).
 */
describe('OHLC memory hits write the stored answer (e2e)', () => {
  const clock = new TestClock(new Date(TEN_AM));
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let testApp: TestApp;
  let auth: string;

  const ohlc = (ticker: string, query: Record<string, string>) =>
    request(testApp.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', auth).expect(200);

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: clock.now, live: true });
    testApp = await startTestApp({ ...resources.env, ...simulatorEnv(simulator) }, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) });
    auth = await testApp.bearer('user-1');
  });
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('sends the same bytes and entity headers from memory as the provider answer it stored', async () => {
    const query = { resolution: 'D', start_date: '2026-10-01', end_date: '2026-10-30' };
    const fresh = await ohlc('AAPL', query);
    const hits = [await ohlc('aapl', query), await ohlc('AAPL', query)];

    expect([fresh, ...hits].map((res) => res.headers['x-cache-source'])).toEqual(['tiingo', 'in-memory', 'in-memory']);
    for (const hit of hits) {
      expect(hit.text).toBe(fresh.text);
      expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(hit.headers['content-length']).toBe(fresh.headers['content-length']);
      expect(hit.headers['cache-control']).toBe('no-store');
      expect(hit.headers['x-cache-age']).toMatch(/^\d+$/);
    }
    expect((fresh.body as CandleBody).count).toBe(22);
  });

  it('lays live bars over a memory hit of today instead of sending the stored bytes', async () => {
    const today = { resolution: '1', start_date: '2026-11-30', end_date: '2026-11-30' };
    const plain = await ohlc('PEP', today);
    const stored = await ohlc('PEP', today);
    expect(stored.headers['x-cache-source']).toBe('in-memory');
    expect(stored.text).toBe(plain.text);

    // A stream's poll (on another instance) brought a bar the memory entry does not have.
    const odd = { time: '2026-11-30T14:59:00.000Z', open: 999, high: 999, low: 999, close: 999, volume: 1 };
    const until = clock.now().getTime() + 3600_000;
    await testApp.app.get(AwsClients).documents.send(
      new PutCommand({
        TableName: resources.env.OHLC_CACHE_TABLE,
        Item: { pk: livePk('PEP', '1'), sk: '2026-11-30', holder: 'elsewhere', lease_until: until, next_poll_at: until, bars: encodeBars([odd]), polled_at: clock.now().getTime(), version: 1, epoch: 0 },
      }),
    );
    const overlaid = await ohlc('PEP', today);

    expect(overlaid.headers['x-cache-source']).toBe('in-memory');
    expect((overlaid.body as CandleBody).candles.find((c) => c.date === odd.time)?.close).toBe(999);
    expect(Number(overlaid.headers['content-length'])).toBe(Buffer.byteLength(overlaid.text));
  });
});
