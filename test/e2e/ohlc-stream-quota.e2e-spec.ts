import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { Clock } from '../../src/resilience/clock';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { openSse } from '../support/sse-client';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { simulatorEnv, TestClock } from './ohlc.fixtures';

interface QuotaBody { services: Record<string, { windows: Array<{ window: string; used: number; limit: number }> }> }

/**
 * Live polls and a small quota: tiingo 5 calls per hour, finnhub unusable for polls (1 per minute,
 * whose 80 % is nothing). Polls stop at 4 and slow down with a notice; the fifth call stays for an
 * ordinary request.
 */
describe('OHLC live stream under a tight quota (e2e)', () => {
  const clock = new TestClock(new Date('2026-11-30T15:00:00.000Z'));
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let testApp: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator({ clock: clock.now, live: true });
    const env = {
      ...resources.env, ...simulatorEnv(simulator),
      QUOTA_TIINGO_HOUR_LIMIT: '5', QUOTA_FINNHUB_MINUTE_LIMIT: '1', OHLC_LIVE_READ_MS: '20', OHLC_LIVE_POLL_SECONDS: '15',
    };
    testApp = await startTestApp(env, { overrides: (builder) => builder.overrideProvider(Clock).useValue({ now: clock.now }) });
    await testApp.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(testApp.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await testApp?.close();
    await simulator?.close();
    await resources?.destroy();
  });

  it('slows polls down with a notice before they take the last 20 % of the window', async () => {
    const auth = await testApp.bearer('user-1');
    const client = await openSse(`${baseUrl}/api/v2/tickers/AAPL/ohlc/stream?resolution=1`, { Authorization: auth });
    await client.waitFor((c) => c.events.length >= 1);
    const tiingoCalls = (): number => simulator.calls('tiingo');
    for (let step = 0; step < 6 && !client.events.some((e) => e.event === 'notice'); step++) {
      const before = simulator.callLog.length;
      clock.advance(15_000);
      // Each interval ends in a poll, or in its refusal (which reaches no provider), then the notice.
      await client.waitFor((c) => simulator.callLog.length > before || c.events.some((e) => e.event === 'notice'));
    }
    const notice = client.events.find((e) => e.event === 'notice');
    expect(notice?.data).toMatchObject({ reason: 'quota', poll_seconds: 30 });
    expect(tiingoCalls()).toBe(4);

    const admin = await testApp.bearer('admin-1', { roles: ['admin'] });
    const quota = (await request(testApp.server).get('/api/v2/quota').set('Authorization', admin).expect(200)).body as QuotaBody;
    expect(quota.services.tiingo.windows.find((w) => w.window === 'hour')).toMatchObject({ used: 4, limit: 5 });
    // The last 20 % is still there for an ordinary request.
    await request(testApp.server).get('/api/v2/tickers/MSFT/ohlc').query({ resolution: 'D', range: '1W' }).set('Authorization', auth).expect(200);
    expect(tiingoCalls()).toBe(5);
    client.close();
  });
});
