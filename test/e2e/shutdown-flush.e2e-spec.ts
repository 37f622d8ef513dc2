import { candlePk } from '../../src/ohlc/store/ohlc-cache.items';
import request from 'supertest';
import { startServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { startShutdownScenario, type ShutdownScenario } from '../support/shutdown-scenario';
import { simulatorEnv } from './ohlc.fixtures';

describe('SIGTERM with cache writes pending', () => {
  let scenario: ShutdownScenario;

  beforeAll(async () => {
    scenario = await startShutdownScenario();
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('answers first, then writes the fetched candles through before exiting 0', async () => {
    const service = await startServiceProcess({
      ...scenario.resources.env,
      ...simulatorEnv(scenario.simulator),
      AWS_ENDPOINT_URL_DYNAMODB: scenario.proxy.endpoint,
    });
    const writes = scenario.proxy.hold('BatchWriteItem');

    const res = await request(service.url)
      .get('/api/v2/tickers/AAPL/ohlc')
      .query({ resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' })
      .set('Authorization', `Bearer ${await signTestToken('user-1')}`);
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(10);
    await writes.held();

    const exited = service.stop('SIGTERM');
    await service.waitForLog((line) => String(line.msg).includes('shutting down'));
    expect(service.child.exitCode).toBeNull();
    expect(await scenario.storedCount(candlePk('AAPL', 'D', 0), 'candles')).toBe(0);

    writes.release();
    expect(await exited).toBe(0);
    // Coverage is written only once the candle batch has been acknowledged to the service, so it
    // being there proves the process outlived the write rather than abandoning it.
    expect(await scenario.storedCount(candlePk('AAPL', 'D', 0), 'candles')).toBe(10);
    expect(await scenario.storedCount(candlePk('AAPL', 'D', 0), 'coverage')).toBe(10);
  });
});
