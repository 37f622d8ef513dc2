import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app';

/** Validation happens before any cache or provider is touched, so no AWS resources are needed. */
describe('OHLC request validation (e2e)', () => {
  let testApp: TestApp;
  let auth: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    auth = await testApp.bearer('user-1');
  });
  afterAll(async () => {
    await testApp?.close();
  });

  it('needs a token', async () => {
    const res = await request(testApp.server).get('/api/v2/tickers/AAPL/ohlc');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it.each<[string, Record<string, string>, string]>([
    ['a ticker of digits', { ticker: '123' }, 'ticker'],
    ['a ticker longer than 5 letters', { ticker: 'ABCDEF' }, 'ticker'],
    ['an unknown resolution', { resolution: '2' }, 'resolution'],
    ['an unknown range', { range: '2W' }, 'range'],
    ['range with dates', { range: '1M', start_date: '2026-11-02', end_date: '2026-11-06' }, 'range'],
    ['start_date alone', { start_date: '2026-11-02' }, 'end_date'],
    ['end_date alone', { end_date: '2026-11-02' }, 'start_date'],
    ['start after end', { start_date: '2026-11-06', end_date: '2026-11-02' }, 'start_date'],
    ['an impossible date', { start_date: '2026-02-30', end_date: '2026-03-02' }, 'start_date'],
    ['a date in another format', { start_date: '11/02/2026', end_date: '2026-11-06' }, 'start_date'],
    ['8 days of 1-minute bars', { resolution: '1', start_date: '2026-11-02', end_date: '2026-11-09' }, 'end_date'],
    ['a 1Y preset at 60 minutes', { resolution: '60', range: '1Y' }, 'range'],
    ['an unknown parameter', { interval: '5' }, 'interval'],
  ])('rejects %s with 400 VALIDATION_FAILED naming the field', async (_label, { ticker = 'AAPL', ...query }, field) => {
    const res = await request(testApp.server).get(`/api/v2/tickers/${ticker}/ohlc`).query(query).set('Authorization', auth);

    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('documents both routes, the query parameters and the response in the OpenAPI document', async () => {
    const doc = (await request(testApp.server).get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters?: { name: string }[]; tags?: string[] }>>;
    };

    const get = doc.paths['/api/v2/tickers/{ticker}/ohlc']?.get;
    expect(get?.tags).toEqual(['ohlc']);
    expect(get?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['ticker', 'resolution', 'range', 'start_date', 'end_date']));
    expect(doc.paths['/api/v2/tickers/{ticker}/ohlc/cache']?.delete).toMatchObject({
      tags: ['ohlc'],
      responses: { '204': { description: 'Cache invalidated' }, '403': expect.any(Object), '503': expect.any(Object) },
    });
  });
});
