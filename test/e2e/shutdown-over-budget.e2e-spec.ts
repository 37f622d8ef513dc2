import { candlePk } from '../../src/ohlc/store/ohlc-cache.items';
import request from 'supertest';
import { startServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { startShutdownScenario, type ShutdownScenario } from '../support/shutdown-scenario';
import { simulatorEnv } from './ohlc.fixtures';

/**
 * The built service stopped with more work than SHUTDOWN_GRACE_MS allows: a request that never
 * finishes (the simulator holds it) and cache writes DynamoDB does not acknowledge (the fault
 * proxy holds them). Held, not timed: the outcome does not depend on how fast this machine is.
 */
describe('SIGTERM with more work than the shutdown budget', () => {
  let scenario: ShutdownScenario;

  beforeAll(async () => {
    scenario = await startShutdownScenario();
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('force-closes the unfinished request at the drain time, reports the unacknowledged writes abandoned and stores none of them', async () => {
    const service = await startServiceProcess({
      ...scenario.resources.env,
      ...simulatorEnv(scenario.simulator),
      AWS_ENDPOINT_URL_DYNAMODB: scenario.proxy.endpoint,
      SHUTDOWN_GRACE_MS: '3000',
      // Nothing here may end by its own deadline before the shutdown budget does.
      REQUEST_DEADLINE_MS: '60000',
    });
    try {
      const auth = `Bearer ${await signTestToken('user-1')}`;
      const query = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' };
      const writes = scenario.proxy.hold('BatchWriteItem');

      const answered = await request(service.url).get('/api/v2/tickers/AAPL/ohlc').query(query).set('Authorization', auth);
      expect(answered.status).toBe(200);
      await writes.held();
      scenario.simulator.hang('tiingo', true);
      scenario.simulator.hang('finnhub', true);
      const unfinished = request(service.url).get('/api/v2/tickers/MSFT/ohlc').query(query).set('Authorization', auth)
        .then((res) => `status ${res.status}`, (error: Error) => error.message);
      await scenario.simulator.waitForCalls(2);

      const exitCode = await service.stop('SIGTERM');
      const messages = service.logs.map((line) => String(line.msg));

      expect(await unfinished).toBe('socket hang up');
      expect(messages).toEqual(expect.arrayContaining([
        'drain time over: closing remaining connections',
        'OHLC cache writes abandoned on shutdown: not stored',
      ]));
      expect(service.logs.find((line) => line.msg === 'OHLC cache writes abandoned on shutdown: not stored')).toMatchObject({ level: 40, pending: 1 });
      // The abandoned batch never reached DynamoDB, so no coverage claims candles that are not there.
      expect(await scenario.storedCount(candlePk('AAPL', 'D', 0), 'candles')).toBe(0);
      expect(await scenario.storedCount(candlePk('AAPL', 'D', 0), 'coverage')).toBe(0);
      // Giving up on the writes is the shutdown's own decision, within its budget: README, Behaviour.
      expect(messages).toContain('shutdown complete');
      expect(exitCode).toBe(0);
    } finally {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    }
  });
});
