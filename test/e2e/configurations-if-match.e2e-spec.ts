import request from 'supertest';
import { useAppWithAws } from '../support/app-with-aws';
import { CONFIGURATIONS, createConfiguration, storedState } from '../support/configurations';

const tags = (count: number): string => Array.from({ length: count }, (_, i) => `"${i + 2}"`).join(', ');

/** A hostile If-Match is the client's mistake (400), never a DynamoDB ValidationException (503). */
describe('If-Match bounds (e2e)', () => {
  const ctx = useAppWithAws();
  const sub = 'if-match-user';

  it('answers 400 VALIDATION_FAILED to 150 tags on PATCH and DELETE, and changes nothing', async () => {
    const created = await createConfiguration(ctx.testApp, sub);
    const path = `${CONFIGURATIONS}/${created.body.config_id as string}`;
    const auth = await ctx.testApp.bearer(sub);

    const patched = await request(ctx.testApp.server).patch(path).set('Authorization', auth).set('If-Match', tags(150)).send({ name: 'Renamed' });
    const deleted = await request(ctx.testApp.server).delete(path).set('Authorization', auth).set('If-Match', tags(150));
    for (const res of [patched, deleted]) {
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ field: 'If-Match' }] } });
    }
    const current = await request(ctx.testApp.server).get(path).set('Authorization', auth);
    expect([current.status, current.body.name, current.headers.etag]).toEqual([200, 'Tech', '"1"']);
    expect(await storedState(ctx.clients, ctx.resources.tables.users, sub)).toEqual({ counter: 1, configs: 1 });
  });

  it('still honours a list of up to 10 tags', async () => {
    const created = await createConfiguration(ctx.testApp, sub);
    const path = `${CONFIGURATIONS}/${created.body.config_id as string}`;
    const auth = await ctx.testApp.bearer(sub);

    const miss = await request(ctx.testApp.server).patch(path).set('Authorization', auth).set('If-Match', tags(10)).send({ name: 'Renamed' });
    expect(miss.status).toBe(412);
    const hit = await request(ctx.testApp.server).patch(path).set('Authorization', auth).set('If-Match', `${tags(9)}, "1"`).send({ name: 'Renamed' });
    expect([hit.status, hit.headers.etag]).toEqual([200, '"2"']);
  });
});
