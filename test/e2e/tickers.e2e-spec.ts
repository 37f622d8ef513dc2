import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { findFreePort } from '../../scripts/local-stack/free-port';
import { TickerCacheService } from '../../src/tickers/ticker-cache.service';
import { useAppWithAws } from '../support/app-with-aws';
import { startTestApp, type TestApp } from '../support/test-app';

const FIXTURE = JSON.parse(readFileSync(join(__dirname, '../../fixtures/us-symbols.json'), 'utf8')) as {
  symbols: Record<string, unknown>;
};

describe('tickers (e2e)', () => {
  const ctx = useAppWithAws();

  const uploadList = (body: string) =>
    ctx.clients.s3.send(new PutObjectCommand({ Bucket: ctx.resources.bucket, Key: ctx.resources.tickerListKey, Body: body }));
  const validate = (symbol: string) => request(ctx.testApp.server).get('/api/v2/tickers/validate').query({ symbol });
  const cache = () => ctx.testApp.app.get(TickerCacheService);

  describe('GET /api/v2/tickers/search', () => {
    it('answers without a token, each result with symbol, name and exchange', async () => {
      const res = await request(ctx.testApp.server).get('/api/v2/tickers/search').query({ q: 'msft' });

      expect(res.status).toBe(200);
      expect(res.body.results[0]).toEqual({ symbol: 'MSFT', name: 'Microsoft Corporation', exchange: 'NASDAQ' });
    });

    it('finds a company by part of its name, case-insensitively, and honours limit', async () => {
      const res = await request(ctx.testApp.server).get('/api/v2/tickers/search').query({ q: 'APPLE', limit: 1 });

      expect(res.status).toBe(200);
      expect(res.body).toEqual({ results: [{ symbol: 'AAPL', name: 'Apple Inc.', exchange: 'NASDAQ' }] });
    });

    it('returns the exact symbol first and never a delisted one', async () => {
      const exact = await request(ctx.testApp.server).get('/api/v2/tickers/search').query({ q: 'aapl' });
      const delisted = await request(ctx.testApp.server).get('/api/v2/tickers/search').query({ q: 'FB' });

      expect(exact.body.results[0].symbol).toBe('AAPL');
      expect((delisted.body.results as { symbol: string }[]).map((r) => r.symbol)).not.toContain('FB');
    });

    it.each([
      [{ q: '' }, 'q'],
      [{ q: 'x'.repeat(51) }, 'q'],
      [{ q: 'a', limit: '21' }, 'limit'],
      [{ q: 'a', limit: '0' }, 'limit'],
      [{ q: 'a', limit: '2.5' }, 'limit'],
      [{ q: 'a', extra: '1' }, 'extra'],
    ])('rejects %j with 400 VALIDATION_FAILED naming the field', async (query, field) => {
      const res = await request(ctx.testApp.server).get('/api/v2/tickers/search').query(query);

      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });
  });

  describe('GET /api/v2/tickers/validate', () => {
    it('answers valid, delisted (with successor) and invalid', async () => {
      const [valid, delisted, invalid] = await Promise.all([validate(' aapl '), validate('FB'), validate('QQQQQ')]);

      expect(valid.body).toEqual({ symbol: 'AAPL', status: 'valid', name: 'Apple Inc.', exchange: 'NASDAQ', successor_symbol: null });
      expect(delisted.body).toEqual(expect.objectContaining({ symbol: 'FB', status: 'delisted', successor_symbol: 'META' }));
      expect(invalid.body).toEqual({ symbol: 'QQQQQ', status: 'invalid', name: null, exchange: null, successor_symbol: null });
    });

    it('rejects a missing symbol with 400', async () => {
      const res = await request(ctx.testApp.server).get('/api/v2/tickers/validate');

      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('ticker list refresh from S3', () => {
    it('serves the S3 list and reports it in ticker_list_source', async () => {
      const metrics = await request(ctx.testApp.server).get('/metrics');

      expect(cache().source).toBe('s3');
      expect(metrics.text).toMatch(/ticker_list_source\{source="s3"\} 1/);
      expect(metrics.text).toMatch(/ticker_list_source\{source="bundled"\} 0/);
    });

    it('does not download an unchanged list again', async () => {
      expect(await cache().refresh()).toBe('unchanged');
    });

    it('makes new symbols valid after the object is replaced, skipping malformed entries', async () => {
      const symbols = {
        ...FIXTURE.symbols,
        ZZZZ: { name: 'Newly Listed Corp', exchange: 'NYSE', is_active: true },
        BADX: { name: 42, exchange: 'NYSE', is_active: true },
      };
      await uploadList(JSON.stringify({ version: '2026-12-01', symbols }));

      expect(await cache().refresh()).toBe('updated');
      expect((await validate('ZZZZ')).body.status).toBe('valid');
      expect((await validate('BADX')).body.status).toBe('invalid');
      expect((await validate('AAPL')).body.status).toBe('valid');
    });

    it('keeps the last good list when corrupt JSON is uploaded', async () => {
      await uploadList('{"version": "broken", "symbols": {');

      expect(await cache().refresh()).toBe('rejected');
      expect((await validate('ZZZZ')).body.status).toBe('valid');
      expect(cache().source).toBe('s3');
    });
  });

  describe('ranking on a fixed list', () => {
    const entry = (name: string, isActive = true) => ({ name, exchange: 'NYSE', is_active: isActive });
    beforeAll(async () => {
      await uploadList(JSON.stringify({
        version: 'ranking',
        symbols: {
          AM: entry('Antero Midstream'), // exact match of "am"
          AMZN: entry('Amazon.com'), // prefix, whose name matches too: listed once
          AMD: entry('Advanced Micro Devices'),
          AMAT: entry('Applied Materials'),
          AMX: entry('America Movil', false), // prefix, but delisted
          PG: entry('Procter & Gamble'), // name match only
          LAMR: entry('Lamar Advertising'), // name match only
          SAM: entry('Boston Beer'), // "AM" inside the symbol but neither prefix nor name
          MSFT: entry('Microsoft'),
        },
      }));
      expect(await cache().refresh()).toBe('updated');
    });

    it('puts the exact symbol first, then symbol prefixes, then name matches, each group by symbol', async () => {
      const res = await request(ctx.testApp.server).get('/api/v2/tickers/search').query({ q: 'am', limit: 20 });

      expect(res.status).toBe(200);
      expect((res.body.results as { symbol: string }[]).map((r) => r.symbol)).toEqual(['AM', 'AMAT', 'AMD', 'AMZN', 'LAMR', 'PG']);
    });

    it('cuts the ranking at limit, keeping its order', async () => {
      const res = await request(ctx.testApp.server).get('/api/v2/tickers/search').query({ q: 'AM', limit: 3 });

      expect((res.body.results as { symbol: string }[]).map((r) => r.symbol)).toEqual(['AM', 'AMAT', 'AMD']);
    });
  });

  describe('S3 unreachable at start', () => {
    let offline: TestApp;
    beforeAll(async () => {
      const closedPort = await findFreePort();
      offline = await startTestApp({ ...ctx.resources.env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closedPort}` });
    });
    afterAll(async () => {
      await offline?.close();
    });

    it('starts, validates from the bundled list and says so in ticker_list_source', async () => {
      const res = await request(offline.server).get('/api/v2/tickers/validate').query({ symbol: 'MSFT' });
      const metrics = await request(offline.server).get('/metrics');

      expect(res.body.status).toBe('valid');
      expect(offline.app.get(TickerCacheService).source).toBe('bundled');
      expect(metrics.text).toMatch(/ticker_list_source\{source="bundled"\} 1/);
      expect(metrics.text).toMatch(/ticker_list_source\{source="s3"\} 0/);
    });
  });
});
