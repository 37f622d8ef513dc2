import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { useAppWithAws } from '../support/app-with-aws';
import { CONFIGURATIONS, createConfiguration, storedState, validBody } from '../support/configurations';

describe('configurations (e2e)', () => {
  const ctx = useAppWithAws();

  const as = async (sub: string) => ({ Authorization: await ctx.testApp.bearer(sub) });

  it('round-trips create, get, list, patch and delete', async () => {
    const sub = `user-${randomUUID()}`;
    const created = await createConfiguration(ctx.testApp, sub, { name: '  Tech  ', tickers: [' aapl', 'msft '], timeframe_days: 30 });

    expect(created.status).toBe(201);
    const id = created.body.config_id as string;
    expect(created.headers.location).toBe(`${CONFIGURATIONS}/${id}`);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toEqual({
      config_id: id,
      name: 'Tech',
      tickers: [
        { symbol: 'AAPL', name: 'Apple Inc.', exchange: 'NASDAQ' },
        { symbol: 'MSFT', name: expect.any(String), exchange: expect.any(String) },
      ],
      timeframe_days: 30,
      include_extended_hours: false,
      created_at: expect.any(String),
      updated_at: created.body.created_at,
    });

    const fetched = await request(ctx.testApp.server).get(created.headers.location).set(await as(sub));
    expect(fetched.status).toBe(200);
    expect(fetched.headers.etag).toBe('"1"');
    expect(fetched.body).toEqual(created.body);

    const patched = await request(ctx.testApp.server)
      .patch(created.headers.location)
      .set(await as(sub))
      .set('If-Match', '"1"')
      .send({ include_extended_hours: true, tickers: ['NVDA'] });
    expect(patched.status).toBe(200);
    expect(patched.headers.etag).toBe('"2"');
    expect(patched.body).toEqual(
      expect.objectContaining({ name: 'Tech', include_extended_hours: true, tickers: [expect.objectContaining({ symbol: 'NVDA' })] }),
    );
    expect(patched.body.updated_at >= patched.body.created_at).toBe(true);

    const second = await createConfiguration(ctx.testApp, sub, validBody({ name: 'Second' }));
    const listed = await request(ctx.testApp.server).get(CONFIGURATIONS).set(await as(sub));
    expect(listed.status).toBe(200);
    expect(listed.body.max_allowed).toBe(5);
    expect(listed.body.configurations.map((c: { config_id: string }) => c.config_id)).toEqual([second.body.config_id, id]);

    const deleted = await request(ctx.testApp.server).delete(created.headers.location).set(await as(sub));
    expect(deleted.status).toBe(204);
    const gone = await request(ctx.testApp.server).get(created.headers.location).set(await as(sub));
    expect(gone.status).toBe(404);
    expect(await storedState(ctx.clients, ctx.resources.tables.users, sub)).toEqual({ counter: 1, configs: 1 });
  });

  it("answers 404 on every verb for another user's configuration and leaves it untouched", async () => {
    const owner = `owner-${randomUUID()}`;
    const created = await createConfiguration(ctx.testApp, owner);
    const url = created.headers.location as string;
    const other = await as(`intruder-${randomUUID()}`);

    const responses = await Promise.all([
      request(ctx.testApp.server).get(url).set(other),
      request(ctx.testApp.server).patch(url).set(other).send({ name: 'Mine now' }),
      request(ctx.testApp.server).patch(url).set(other).set('If-Match', '"1"').send({ name: 'Mine now' }),
      request(ctx.testApp.server).delete(url).set(other),
      request(ctx.testApp.server).delete(url).set(other).set('If-Match', '*'),
    ]);

    expect(responses.map((r) => [r.status, r.body.code])).toEqual(Array(5).fill([404, 'NOT_FOUND']));
    const stillThere = await request(ctx.testApp.server).get(url).set(await as(owner));
    expect(stillThere.body.name).toBe('Tech');
  });

  it('answers 404 for a config_id that is not a UUID', async () => {
    const res = await request(ctx.testApp.server).get(`${CONFIGURATIONS}/not-a-uuid`).set(await as('someone'));

    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('honours If-Match on patch and delete: a stale ETag gets 412, * matches any version', async () => {
    const sub = `user-${randomUUID()}`;
    const url = (await createConfiguration(ctx.testApp, sub)).headers.location as string;
    await request(ctx.testApp.server).patch(url).set(await as(sub)).send({ name: 'Renamed' });

    const stalePatch = await request(ctx.testApp.server).patch(url).set(await as(sub)).set('If-Match', '"1"').send({ name: 'Lost' });
    const staleDelete = await request(ctx.testApp.server).delete(url).set(await as(sub)).set('If-Match', '"1"');
    const weakDelete = await request(ctx.testApp.server).delete(url).set(await as(sub)).set('If-Match', 'W/"2"');
    const current = await request(ctx.testApp.server).get(url).set(await as(sub));
    const anyPatch = await request(ctx.testApp.server).patch(url).set(await as(sub)).set('If-Match', '*').send({ timeframe_days: 90 });
    const matchingDelete = await request(ctx.testApp.server).delete(url).set(await as(sub)).set('If-Match', '"9", "3"');

    expect([stalePatch.status, staleDelete.status, weakDelete.status]).toEqual([412, 412, 412]);
    expect(stalePatch.body.code).toBe('PRECONDITION_FAILED');
    expect(current.body.name).toBe('Renamed');
    expect(current.headers.etag).toBe('"2"');
    expect([anyPatch.status, anyPatch.headers.etag]).toEqual([200, '"3"']);
    expect(matchingDelete.status).toBe(204);
  });

  it('rejects unknown and delisted tickers with INVALID_TICKER and stores nothing', async () => {
    const sub = `user-${randomUUID()}`;
    const unknown = await createConfiguration(ctx.testApp, sub, validBody({ tickers: ['AAPL', 'QQQQQ'] }));
    const delisted = await createConfiguration(ctx.testApp, sub, validBody({ tickers: ['fb'] }));

    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual(expect.objectContaining({ code: 'INVALID_TICKER', details: { symbol: 'QQQQQ', reason: 'unknown' } }));
    expect(delisted.body).toEqual(
      expect.objectContaining({ code: 'INVALID_TICKER', details: { symbol: 'FB', reason: 'delisted', successor_symbol: 'META' } }),
    );
    expect(await storedState(ctx.clients, ctx.resources.tables.users, sub)).toEqual({ counter: 0, configs: 0 });
  });

  it('rejects duplicate tickers after normalisation and an empty patch with VALIDATION_FAILED', async () => {
    const sub = `user-${randomUUID()}`;
    const duplicate = await createConfiguration(ctx.testApp, sub, validBody({ tickers: ['aapl', ' AAPL'] }));
    const url = (await createConfiguration(ctx.testApp, sub)).headers.location as string;
    const empty = await request(ctx.testApp.server).patch(url).set(await as(sub)).send({});

    expect(duplicate.status).toBe(400);
    expect(duplicate.body.details.errors).toEqual([expect.objectContaining({ field: 'tickers' })]);
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');
  });

  it('needs a token on every configurations route', async () => {
    const res = await request(ctx.testApp.server).get(CONFIGURATIONS);

    expect(res.status).toBe(401);
  });
});
