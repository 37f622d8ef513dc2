import type { AddressInfo } from 'node:net';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import request from 'supertest';
import { AwsClients } from '../../src/infrastructure/aws-clients';
import { encodeBars } from '../../src/ohlc/live/live-bars.items';
import { livePk } from '../../src/ohlc/store/ohlc-cache.items';
import { Clock } from '../../src/resilience/clock';
import { LiveStreams } from '../../src/ohlc/live/live-streams.service';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { openSse, type SseClient } from '../support/sse-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv, TestClock } from './ohlc.fixtures';

/** Monday 2026-11-30, 10:00:00 ET. */
const TEN_AM = '2026-11-30T15:00:00.000Z';
const MIN = 60_000;

interface BarData { date: string; open: number; high: number; low: number; close: number; volume: number; final: boolean }
const bars = (client: SseClient): BarData[] => client.events.filter((e) => e.event === 'bar').map((e) => e.data as BarData);
/** Waits for a server-side condition (checked every 10 ms), e.g. that a closed stream was released. */
async function waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > giveUpAt) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const snapshotOf = (client: SseClient): CandleBody => client.events.find((e) => e.event === 'snapshot')!.data as CandleBody;

/**
 * The live stream on one instance, on a market clock the test moves (the feed's read timer is
 * real but short; what it finds depends only on the clock), against the simulator in live mode.
 */
describe('OHLC live stream (e2e)', () => {
  const clock = new TestClock(new Date(TEN_AM));
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let testApp: TestApp;
  let baseUrl: string;
  let auth: string;
  let appEnv: Record<string, string>;

  const intradayCalls = (ticker: string): number =>
    simulator.callLog.filter((call) => call.ticker.toUpperCase() === ticker && call.path.includes('/iex/')).length;
  const stream = (ticker: string, resolution = '1', token = auth): Promise<SseClient> =>
    openSse(`${baseUrl}/api/v2/tickers/${ticker}/ohlc/stream?resolution=${resolution}`, token ? { Authorization: token } : {});

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: clock.now, live: true });
    appEnv = { ...resources.env, ...simulatorEnv(simulator), OHLC_LIVE_READ_MS: '20', OHLC_LIVE_POLL_SECONDS: '15' };
    testApp = await startTestApp(appEnv, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) });
    await testApp.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(testApp.server.address() as AddressInfo).port}`;
    auth = await testApp.bearer('user-1');
  });
  afterEach(() => {
    simulator.reset();
    clock.set(TEN_AM);
  });
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('sends the snapshot, the forming bar as it changes and each finished bar once, one poll per interval', async () => {
    const client = await stream('AAPL');
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    await client.waitFor((c) => c.events.length >= 1);
    const snapshot = snapshotOf(client);
    expect(snapshot).toMatchObject({ ticker: 'AAPL', resolution: '1', start_date: '2026-11-30', end_date: '2026-11-30' });
    expect(snapshot.candles.at(-1)?.date).toBe('2026-11-30T15:00:00.000Z');
    const pollsAtStart = intradayCalls('AAPL');

    // Eight 15 s intervals: two minutes of the session.
    for (let step = 1; step <= 8; step++) {
      clock.advance(15_000);
      await client.waitFor(() => intradayCalls('AAPL') >= pollsAtStart + step);
      await client.waitFor((c) => bars(c).some((bar) => Date.parse(bar.date) + MIN > clock.now().getTime() - 15_000));
    }
    await client.waitFor((c) => bars(c).some((bar) => bar.date === '2026-11-30T15:02:00.000Z'));
    expect(intradayCalls('AAPL') - pollsAtStart).toBe(8);

    const received = bars(client);
    const finals = received.filter((bar) => bar.final).map((bar) => bar.date);
    expect(finals).toEqual(['2026-11-30T15:00:00.000Z', '2026-11-30T15:01:00.000Z']);
    // In order: never a bar older than one already sent.
    expect(received.map((bar) => bar.date)).toEqual([...received.map((bar) => bar.date)].sort());
    // The forming bar changed between polls.
    const forming = received.filter((bar) => bar.date === '2026-11-30T15:01:00.000Z' && !bar.final);
    expect(new Set(forming.map((bar) => bar.close)).size).toBeGreaterThan(1);

    // The OHLC route shows nothing older than the stream delivered.
    const route = await request(testApp.server).get('/api/v2/tickers/AAPL/ohlc').query({ resolution: '1', range: '1D' }).set('Authorization', auth).expect(200);
    const latest = received.at(-1)!;
    const routeBar = (route.body as CandleBody).candles.find((c) => c.date === latest.date);
    expect(routeBar).toEqual({ date: latest.date, open: latest.open, high: latest.high, low: latest.low, close: latest.close, volume: latest.volume });
    client.close();
  });

  it('sends a keep-alive comment when nothing changed for a while', async () => {
    const client = await stream('MSFT', '5');
    await client.waitFor((c) => c.events.length >= 1);
    clock.advance(11_000); // inside one poll interval: no new poll, nothing to send
    await client.waitFor((c) => c.comments.includes('keep-alive'));
    client.close();
  });

  it('ends after an early close, with the last bar final', async () => {
    clock.set('2026-11-27T17:59:30.000Z'); // Friday after Thanksgiving, 12:59:30 ET; the session closes at 13:00
    const client = await stream('NVDA');
    await client.waitFor((c) => c.events.length >= 1);
    clock.advance(45_000);
    await client.waitFor((c) => c.ended());
    const events = client.events.map((e) => e.event);
    expect(events.at(-1)).toBe('end');
    expect(client.events.at(-1)?.data).toEqual({ reason: 'market_closed' });
    expect(bars(client).filter((bar) => bar.final).map((bar) => bar.date)).toEqual(['2026-11-27T17:59:00.000Z']);
  });

  it('outside market hours sends the snapshot, then end', async () => {
    clock.set('2026-11-28T16:00:00.000Z'); // Saturday
    const weekend = await stream('AAPL');
    await weekend.waitFor((c) => c.ended());
    expect(weekend.events.map((e) => e.event)).toEqual(['snapshot', 'end']);
    expect(snapshotOf(weekend).count).toBe(0);

    clock.set('2026-11-30T21:30:00.000Z'); // Monday 16:30 ET
    const evening = await stream('AAPL', '5');
    await evening.waitFor((c) => c.ended());
    expect(evening.events.map((e) => e.event)).toEqual(['snapshot', 'end']);
    expect(snapshotOf(evening).count).toBe(78);
  });

  it('answers errors before the stream starts with the usual envelope, ticker checks as on the OHLC route', async () => {
    simulator.unknownTickers(['DOW']);
    const cases: Array<[SseClient, number, string]> = [
      [await stream('AAPL', '1', ''), 401, 'UNAUTHENTICATED'],
      [await stream('AAPL', 'D'), 400, 'VALIDATION_FAILED'],
      [await stream('AAPL1'), 400, 'VALIDATION_FAILED'],
      [await stream('ZZZZ'), 400, 'INVALID_TICKER'],
      [await stream('FB'), 400, 'INVALID_TICKER'],
      [await stream('DOW'), 404, 'TICKER_NOT_FOUND'],
    ];
    for (const [client, status, code] of cases) {
      await client.waitFor((c) => c.ended());
      expect(client.status).toBe(status);
      expect(client.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(client.body())).toMatchObject({ status, code });
    }
  });

  it('refuses a sixth stream of one user with 429 RATE_LIMITED until one closes', async () => {
    const token = await testApp.bearer('busy-user');
    const open = await Promise.all(['IBM', 'ORCL', 'INTC', 'AMD', 'CSCO'].map((t) => stream(t, '5', token)));
    await Promise.all(open.map((c) => c.waitFor((x) => x.events.length >= 1)));
    const refused = await stream('ADBE', '5', token);
    await refused.waitFor((c) => c.ended());
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body())).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 5, window: 'open_streams' } });

    const streams = testApp.app.get(LiveStreams);
    open[0].close();
    await waitUntil(() => streams.openStreams === 4);
    const again = await stream('ADBE', '5', token);
    expect(again.status).toBe(200);
    again.close();
    open.slice(1).forEach((c) => c.close());
  });

  it('counts a user\'s streams across instances', async () => {
    const other = await startTestApp(appEnv, {
      overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }),
    });
    await other.app.listen(0, '127.0.0.1');
    const otherUrl = `http://127.0.0.1:${(other.server.address() as AddressInfo).port}`;
    try {
      const token = await testApp.bearer('two-instance-user');
      const onOther = (ticker: string): Promise<SseClient> =>
        openSse(`${otherUrl}/api/v2/tickers/${ticker}/ohlc/stream?resolution=5`, { Authorization: token });
      const open = [...(await Promise.all(['XOM', 'CVX', 'JPM'].map((t) => stream(t, '5', token)))), ...(await Promise.all(['BAC', 'HD'].map(onOther)))];
      await Promise.all(open.map((c) => c.waitFor((x) => x.events.length >= 1)));
      const refused = await onOther('MA');
      await refused.waitFor((c) => c.ended());
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body())).toMatchObject({ code: 'RATE_LIMITED' });
      open.forEach((c) => c.close());
      await waitUntil(() => other.app.get(LiveStreams).openStreams === 0 && testApp.app.get(LiveStreams).openStreams === 0);
    } finally {
      await other.close();
    }
  });

  it('leaves no timer, socket or listener behind after 500 connect/disconnect cycles', async () => {
    const streams = testApp.app.get(LiveStreams);
    // Ten users, so ten streams at once stay within the per-user limit.
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => testApp.bearer(`cycler-${i}`)));
    const cycle = async (_: unknown, i = 0): Promise<void> => {
      const client = await stream('QCOM', '1', tokens[i]);
      expect(client.status).toBe(200);
      await client.waitFor((c) => c.events.length >= 1);
      client.close();
    };
    const idle = (): boolean => streams.openStreams === 0;
    await cycle(undefined);
    await waitUntil(idle);
    const before = process.getActiveResourcesInfo();

    for (let batch = 0; batch < 50; batch++) await Promise.all(Array.from({ length: 10 }, (_, i) => cycle(undefined, i)));
    await waitUntil(idle);
    // The last feed's final read may still be in flight when its client leaves: let it land.
    await waitUntil(() => process.getActiveResourcesInfo().filter((t) => t === 'Timeout').length <= before.filter((t) => t === 'Timeout').length + 2);

    const after = process.getActiveResourcesInfo();
    const count = (list: string[], type: string): number => list.filter((t) => t === type).length;
    expect(streams.openStreams).toBe(0);
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(before, 'Timeout') + 2);
    expect(count(after, 'TCPSocketWrap')).toBeLessThanOrEqual(count(before, 'TCPSocketWrap') + 2);
    expect(after.length).toBeLessThanOrEqual(before.length + 4);
    expect(testApp.server.listenerCount('request')).toBe(1);
  }, 120_000);

  it('is documented as text/event-stream and reported in the metrics', async () => {
    const doc = (await request(testApp.server).get('/docs-json').expect(200)).body as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string; required?: boolean }>; responses: Record<string, { content?: object }> } }>;
    };
    const operation = doc.paths['/api/v2/tickers/{ticker}/ohlc/stream']?.get;
    expect(Object.keys(operation?.responses['200'].content ?? {})).toEqual(['text/event-stream']);
    expect(operation?.parameters?.find((p) => p.name === 'resolution')).toMatchObject({ required: true });

    const client = await stream('TXN', '5');
    await client.waitFor((c) => c.events.length >= 1);
    const metrics = (await request(testApp.server).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^ohlc_live_streams_open 1$/m);
    expect(metrics).toMatch(/^ohlc_live_polls_total\{outcome="ok"\} [1-9]/m);
    expect(metrics).toContain('ohlc_live_fanout_lag_seconds_bucket');
    client.close();
  });

  it('charges a snapshot that needs a provider call to the user\'s upstream allowance, as the OHLC route does', async () => {
    const strict = await startTestApp({ ...appEnv, OHLC_USER_UPSTREAM_PER_HOUR: '1' }, {
      overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }),
    });
    await strict.app.listen(0, '127.0.0.1');
    const strictUrl = `http://127.0.0.1:${(strict.server.address() as AddressInfo).port}`;
    try {
      const token = await strict.bearer('allowance-user');
      const open = (ticker: string): Promise<SseClient> =>
        openSse(`${strictUrl}/api/v2/tickers/${ticker}/ohlc/stream?resolution=15`, { Authorization: token });
      const first = await open('JNJ');
      await first.waitFor((c) => c.events.length >= 1);
      expect(first.status).toBe(200);
      const second = await open('PG');
      await second.waitFor((c) => c.ended());
      expect(second.status).toBe(429);
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(second.body())).toMatchObject({ code: 'RATE_LIMITED', details: { limit: 1, window: 'hour' } });
      first.close();
      await waitUntil(() => strict.app.get(LiveStreams).openStreams === 0);
    } finally {
      await strict.close();
    }
  });

  it('forgets live bars polled before an admin DELETE, in the snapshot and on the OHLC route', async () => {
    // Another instance's poll, still leased: this instance reads it and does not poll itself.
    const until = clock.now().getTime() + 3600_000;
    const odd = { time: '2026-11-30T15:00:00.000Z', open: 999, high: 999, low: 999, close: 999, volume: 1 };
    await testApp.app.get(AwsClients).documents.send(
      new PutCommand({
        TableName: resources.env.OHLC_CACHE_TABLE,
        Item: { pk: livePk('PEP', '1'), sk: '2026-11-30', holder: 'elsewhere', lease_until: until, next_poll_at: until, bars: encodeBars([odd]), polled_at: clock.now().getTime(), version: 1, epoch: 0 },
      }),
    );
    const today = { resolution: '1', start_date: '2026-11-30', end_date: '2026-11-30' };
    const closeOfLast = async (): Promise<number | undefined> =>
      ((await request(testApp.server).get('/api/v2/tickers/PEP/ohlc').query(today).set('Authorization', auth).expect(200)).body as CandleBody).candles.at(-1)?.close;
    const snapshotClose = async (): Promise<number | undefined> => {
      const client = await stream('PEP');
      await client.waitFor((c) => c.events.length >= 1);
      client.close();
      return snapshotOf(client).candles.at(-1)?.close;
    };
    expect(await closeOfLast()).toBe(999);
    expect(await snapshotClose()).toBe(999);

    const admin = await testApp.bearer('admin-1', { roles: ['admin'] });
    await request(testApp.server).delete('/api/v2/tickers/PEP/ohlc/cache').set('Authorization', admin).expect(204);

    expect(await closeOfLast()).not.toBe(999);
    expect(await snapshotClose()).not.toBe(999);
  });

  // Last: it closes the app.
  it('at shutdown sends end to every stream and closes it', async () => {
    const client = await stream('KO', '5');
    await client.waitFor((c) => c.events.length >= 1);
    const app = testApp;
    testApp = undefined as unknown as TestApp;
    await app.close();
    await client.waitFor((c) => c.ended());
    expect(client.events.at(-1)).toEqual({ event: 'end', data: { reason: 'shutdown' } });
  });
});
