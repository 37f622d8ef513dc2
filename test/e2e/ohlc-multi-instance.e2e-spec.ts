import type { ClientRequest } from 'node:http';
import request from 'supertest';
import { eventually } from '../support/eventually';
import { startMarketDataSimulator, type MarketDataSimulator } from '../support/market-data-simulator';
import { startServiceProcess, type ServiceProcess } from '../support/service-process';
import { signTestToken } from '../support/test-app';
import { createTestAwsResources, type TestAwsResources } from '../support/test-resources';
import { CandleBody, simulatorEnv } from './ohlc.fixtures';

/**
 * Three built service processes sharing one OHLC table and one simulator. They run on the real
 * clock, so every range here lies in the past (all sessions closed).
 */
describe('OHLC candles across service processes (e2e)', () => {
  let resources: TestAwsResources;
  let simulator: MarketDataSimulator;
  let services: ServiceProcess[] = [];
  let auth: string;

  const ohlc = (service: ServiceProcess, ticker: string, query: Record<string, string>) =>
    request(service.url).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', auth);

  beforeAll(async () => {
    resources = await createTestAwsResources();
    simulator = await startMarketDataSimulator();
    const env = { ...resources.env, ...simulatorEnv(simulator) };
    services = await Promise.all([0, 1, 2].map(() => startServiceProcess(env)));
    auth = `Bearer ${await signTestToken('user-1')}`;
    // A cold process needs seconds for its first request (JIT, sockets); the lock waiters' 3 s
    // budget is meant for the fetch, not for that.
    await Promise.all(services.map((service, i) => ohlc(service, ['KO', 'PEP', 'MO'][i], { start_date: '2026-08-03', end_date: '2026-08-07' }).expect(200)));
    simulator.reset();
  }, 120_000);
  afterEach(() => simulator.reset());
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await simulator?.close();
    await resources?.destroy();
  });

  /** The admin overview's tiingo hour window, as any process reports it. */
  const tiingoHour = async (): Promise<{ used: number; resets_at: string }> => {
    const admin = `Bearer ${await signTestToken('ops-1', { roles: ['admin'] })}`;
    const res = await request(services[0].url).get('/api/v2/quota').set('Authorization', admin).expect(200);
    return (res.body as { services: Record<string, { windows: Array<{ window: string; used: number; resets_at: string }> }> }).services.tiingo.windows.find((w) => w.window === 'hour')!;
  };

  it('serves 50 concurrent cold requests over 3 processes with exactly one provider call, and counts one quota unit', async () => {
    const before = await tiingoHour();
    // The provider holds its first call until all 50 requests are on the wire, so every request
    // arrives while the first fetch is still running, however slowly this machine schedules them.
    simulator.hang('tiingo', true);
    const query = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' };
    let sent = 0;

    const onWire = (agent: { req: ClientRequest }): void => void agent.req.once('finish', () => (sent += 1));
    const responses = Promise.all(Array.from({ length: 50 }, (_, i) => ohlc(services[i % 3], 'AAPL', query).on('request', onWire).then((res) => res)));
    await simulator.waitForCalls(1, 'tiingo');
    await eventually('all 50 requests are sent', () => sent === 50);
    simulator.hang('tiingo', false);

    const answers = await responses;
    expect(answers.map((res) => res.status)).toEqual(Array(50).fill(200));
    expect(simulator.calls()).toBe(1);
    const candles = (answers[0].body as CandleBody).candles;
    expect(candles).toHaveLength(10);
    for (const res of answers) expect((res.body as CandleBody).candles).toEqual(candles);
    // Lock waiters that picked up the holder's fetch are never charged, and a unit reserved ahead
    // but not used goes back after the answer: the count ends at the one call made. The hour may
    // turn meanwhile: then the call counts in the new hour or the old one.
    await eventually('the quota counts the one call made', async () => {
      const after = await tiingoHour();
      return after.resets_at === before.resets_at ? after.used === before.used + 1 : after.used <= 1;
    });
  }, 60_000);

  it('after an admin DELETE on one process, another process stops serving its memory copy and fetches fresh candles', async () => {
    const query = { resolution: 'D', start_date: '2026-09-14', end_date: '2026-09-18' };
    const [writer, reader] = services;
    await ohlc(reader, 'MSFT', query).expect(200);
    expect((await ohlc(reader, 'MSFT', query).expect(200)).headers['x-cache-source']).toBe('in-memory');
    const admin = `Bearer ${await signTestToken('admin-1', { roles: ['admin'] })}`;

    await request(writer.url).delete('/api/v2/tickers/MSFT/ohlc/cache').set('Authorization', admin).expect(204);
    // The contract's 5 s bound is a timing property for `npm run bench`; here: the change becomes visible.
    const source = await eventually('the reader no longer answers from memory', async () => {
      const answer = (await ohlc(reader, 'MSFT', query).expect(200)).headers['x-cache-source'] as string;
      return answer === 'in-memory' ? undefined : answer;
    }, { intervalMs: 100 });

    expect(source).toBe('tiingo');
    expect(simulator.calls()).toBe(2);
  });

  it('asks the providers once for a listed ticker they do not know, whatever 100 requests over 3 processes do', async () => {
    simulator.unknownTickers(['DOW']);
    simulator.setLatency('tiingo', 300);
    const query = { resolution: 'D', start_date: '2026-10-05', end_date: '2026-10-16' };

    const concurrent = await Promise.all(Array.from({ length: 50 }, (_, i) => ohlc(services[i % 3], 'DOW', query)));
    const later = [];
    for (let i = 0; i < 50; i++) later.push(await ohlc(services[i % 3], 'DOW', { ...query, start_date: `2026-09-${String(1 + (i % 28)).padStart(2, '0')}` }));

    expect([...concurrent, ...later].map((res) => res.status)).toEqual(Array(100).fill(404));
    expect(concurrent[0].body.code).toBe('TICKER_NOT_FOUND');
    expect(simulator.calls()).toBe(1);
  });

  it('after a DELETE during a slow in-flight fetch, no process serves what that fetch brought', async () => {
    const query = { resolution: 'D', start_date: '2026-07-06', end_date: '2026-07-10' };
    const [deleting, fetching, reading] = services;
    const admin = `Bearer ${await signTestToken('admin-1', { roles: ['admin'] })}`;
    // The provider holds the fetch until the DELETE has been answered: in flight by construction.
    simulator.hang('tiingo', true);
    const inFlight = ohlc(fetching, 'CRM', query).then((res) => res);
    await simulator.waitForCalls(1);

    const startedAt = performance.now();
    await request(deleting.url).delete('/api/v2/tickers/CRM/ohlc/cache').set('Authorization', admin).expect(204);
    // For the report: the DELETE does not wait for the fetch in flight on another process.
    console.log(`DELETE during an in-flight fetch answered in ${Math.round(performance.now() - startedAt)} ms`);
    simulator.hang('tiingo', false);
    expect((await inFlight).status).toBe(200);
    // The in-flight fetch's write-behind sees the new epoch and drops its candles: nothing to serve.
    await fetching.waitForLog((line) => line.msg === 'write-behind of an invalidated fetch dropped');
    simulator.reset();
    simulator.failWith('tiingo', 503);
    simulator.failWith('finnhub', 503);
    const answers = await Promise.all([ohlc(deleting, 'CRM', query), ohlc(reading, 'CRM', query)]);
    // The fetching process kept the in-flight answer in memory under the old epoch; it drops it
    // as soon as it re-reads the epoch (every 4 s at most).
    const fromFetching = await eventually('the fetching process drops its old-epoch copy', async () => {
      const res = await ohlc(fetching, 'CRM', query);
      return res.status === 200 ? undefined : res;
    }, { timeoutMs: 20_000, intervalMs: 200 });

    expect(answers.map((res) => res.status)).toEqual([503, 503]);
    expect(fromFetching.status).toBe(503);
  });
});
