import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { useAppWithAws } from '../support/app-with-aws';
import { createConfiguration, storedState, validBody } from '../support/configurations';

const countBy = (statuses: number[]): Record<number, number> =>
  statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('configurations under concurrency (e2e)', () => {
  // A deadline that leaves room for the retries transaction conflicts cause on this 2-core box.
  const ctx = useAppWithAws(() => ({ REQUEST_DEADLINE_MS: '20000' }));

  const state = (sub: string) => storedState(ctx.clients, ctx.resources.tables.users, sub);

  it('lets exactly four of five concurrent creates through for a user who has one of five', async () => {
    const sub = `user-${randomUUID()}`;
    expect((await createConfiguration(ctx.testApp, sub)).status).toBe(201);

    const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => createConfiguration(ctx.testApp, sub, validBody({ name: `C${i}` }))));

    expect(countBy(responses.map((r) => r.status))).toEqual({ 201: 4, 409: 1 });
    const refused = responses.find((r) => r.status === 409)!;
    expect(refused.body).toEqual(
      expect.objectContaining({ code: 'CONFIG_LIMIT_REACHED', message: 'Maximum configurations (5) reached', details: { max_allowed: 5 } }),
    );
    expect(await state(sub)).toEqual({ counter: 5, configs: 5 });
  });

  it('keeps the counter equal to the stored count after interleaved concurrent creates and deletes', async () => {
    const sub = `user-${randomUUID()}`;
    const auth = { Authorization: await ctx.testApp.bearer(sub) };
    const statuses: number[] = [];
    // 25 clients, each create → delete what it created → create again: >= 50 racing writes on one counter.
    const client = async (i: number): Promise<void> => {
      const first = await createConfiguration(ctx.testApp, sub, validBody({ name: `A${i}` }));
      statuses.push(first.status);
      if (first.status === 201) statuses.push((await request(ctx.testApp.server).delete(first.headers.location).set(auth)).status);
      statuses.push((await createConfiguration(ctx.testApp, sub, validBody({ name: `B${i}` }))).status);
    };

    await Promise.all(Array.from({ length: 25 }, (_, i) => client(i)));

    expect(statuses.length).toBeGreaterThanOrEqual(50);
    // Conflicting transactions are the service's problem to retry: a client only ever sees created, deleted or full.
    expect(statuses.filter((s) => ![201, 204, 409].includes(s))).toEqual([]);
    expect(statuses.filter((s) => s === 204).length).toBeGreaterThan(0);
    const { counter, configs } = await state(sub);
    expect(counter).toBe(configs);
    expect(configs).toBeLessThanOrEqual(5);
  });

  describe('Idempotency-Key', () => {
    it('replays a repeated request with 201 and the original configuration, using no slot', async () => {
      const sub = `user-${randomUUID()}`;
      const key = randomUUID();
      const first = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });
      // Cosmetic differences in the body (case, spaces, explicit defaults) are the same request.
      const again = await createConfiguration(ctx.testApp, sub, { name: ' Tech', tickers: ['aapl', 'MSFT'], timeframe_days: 7 }, {
        'Idempotency-Key': key,
      });

      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.body).toEqual(first.body);
      expect(again.headers.location).toBe(first.headers.location);
      expect(await state(sub)).toEqual({ counter: 1, configs: 1 });
    });

    it('creates one configuration for two concurrent identical requests', async () => {
      const sub = `user-${randomUUID()}`;
      const key = randomUUID();

      const responses = await Promise.all([1, 2, 3].map(() => createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key })));

      expect(responses.map((r) => r.status)).toEqual([201, 201, 201]);
      expect(new Set(responses.map((r) => r.body.config_id)).size).toBe(1);
      expect(await state(sub)).toEqual({ counter: 1, configs: 1 });
    });

    it('refuses the same key with a different body with 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const sub = `user-${randomUUID()}`;
      const key = randomUUID();
      await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });

      const reused = await createConfiguration(ctx.testApp, sub, validBody({ name: 'Other' }), { 'Idempotency-Key': key });

      expect(reused.status).toBe(409);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await state(sub)).toEqual({ counter: 1, configs: 1 });
    });

    it('replays even when the user has since reached the maximum', async () => {
      const sub = `user-${randomUUID()}`;
      const key = randomUUID();
      const first = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });
      for (let i = 0; i < 4; i++) await createConfiguration(ctx.testApp, sub, validBody({ name: `F${i}` }));

      const again = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });

      expect(again.status).toBe(201);
      expect(again.body.config_id).toBe(first.body.config_id);
    });

    it.each(['', 'k'.repeat(65)])('rejects the key %p with 400', async (key) => {
      const res = await createConfiguration(ctx.testApp, `user-${randomUUID()}`, validBody(), { 'Idempotency-Key': key });

      expect(res.status).toBe(400);
      expect(res.body.details.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    });
  });

  it('counts each create attempt by outcome in configurations_created_total, exactly', async () => {
    const totals = async (): Promise<Record<string, number>> => {
      const text = (await request(ctx.testApp.server).get('/metrics').expect(200)).text;
      const outcomes = ['created', 'limit', 'replay', 'invalid', 'dependency_error', 'error'];
      return Object.fromEntries(outcomes.map((outcome) => {
        const match = new RegExp(`^configurations_created_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
        return [outcome, Number(match?.[1] ?? 0)];
      }));
    };
    const sub = `user-${randomUUID()}`;
    const key = randomUUID();
    const before = await totals();

    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await createConfiguration(ctx.testApp, sub, validBody({ name: `M${i}` }), i === 0 ? { 'Idempotency-Key': key } : {})).status);
    statuses.push((await createConfiguration(ctx.testApp, sub, validBody({ name: 'Sixth' }))).status);
    statuses.push((await createConfiguration(ctx.testApp, sub, validBody({ name: 'M0' }), { 'Idempotency-Key': key })).status);
    statuses.push((await createConfiguration(ctx.testApp, sub, { name: '', tickers: [] })).status);
    const after = await totals();

    expect(statuses).toEqual([201, 201, 201, 201, 201, 409, 201, 400]);
    const delta = Object.fromEntries(Object.keys(after).map((outcome) => [outcome, after[outcome] - before[outcome]]));
    expect(delta).toEqual({ created: 5, limit: 1, replay: 1, invalid: 1, dependency_error: 0, error: 0 });
  });
});
