import request from 'supertest';
import { QuotaService } from '../../src/quota/quota.service';
import { useAppWithAws } from '../support/app-with-aws';

describe('GET /api/v2/quota', () => {
  const ctx = useAppWithAws();

  it('shows every configured service with its current windows to an admin', async () => {
    await ctx.testApp.app.get(QuotaService).reserve('tiingo', 3);

    const res = await request(ctx.testApp.server)
      .get('/api/v2/quota')
      .set('Authorization', await ctx.testApp.bearer('ops-1', { roles: ['admin'] }))
      .expect(200);

    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.body.services)).toEqual(['tiingo', 'finnhub', 'sendgrid']);
    expect(res.body.services.tiingo).toEqual({
      windows: [
        { window: 'hour', used: 3, limit: 50, remaining: 47, resets_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/) },
        { window: 'day', used: 3, limit: 1000, remaining: 997, resets_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT00:00:00\.000Z$/) },
      ],
      state: 'ok',
    });
    expect(res.body.services.sendgrid).toEqual({
      windows: [{ window: 'day', used: 0, limit: 100, remaining: 100, resets_at: expect.any(String) }],
      state: 'ok',
    });
  });

  it('refuses a user without the admin role', async () => {
    const res = await request(ctx.testApp.server)
      .get('/api/v2/quota')
      .set('Authorization', await ctx.testApp.bearer('user-1'))
      .expect(403);
    expect(res.body).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('asks for a token when none is sent', async () => {
    const res = await request(ctx.testApp.server).get('/api/v2/quota').expect(401);
    expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('documents the route and its response in the OpenAPI document', async () => {
    const res = await request(ctx.testApp.server).get('/docs-json').expect(200);
    expect(res.body.paths['/api/v2/quota'].get).toMatchObject({
      tags: ['operations'],
      responses: {
        '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/QuotaOverviewResponse' } } } },
        '401': expect.any(Object),
        '403': expect.any(Object),
      },
    });
    expect(res.body.components.schemas.QuotaServiceResponse.properties).toHaveProperty('windows');
  });
});
