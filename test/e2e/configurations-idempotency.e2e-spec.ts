import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { useAppWithAws } from '../support/app-with-aws';
import { createConfiguration, storedState, validBody } from '../support/configurations';

/** Idempotency-Key replays whose original is gone, or whose record has expired. */
describe('Idempotency-Key after the original is gone (e2e)', () => {
  const ctx = useAppWithAws();
  const state = (sub: string) => storedState(ctx.clients, ctx.resources.tables.users, sub);

  it('answers 404 to a replay of a deleted configuration and creates nothing', async () => {
    const sub = `user-${randomUUID()}`;
    const key = randomUUID();
    const first = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });
    const deleted = await request(ctx.testApp.server).delete(first.headers.location).set('Authorization', await ctx.testApp.bearer(sub));

    const replay = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });

    expect([first.status, deleted.status]).toEqual([201, 204]);
    expect(replay.status).toBe(404);
    expect(replay.body).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'The configuration created with this Idempotency-Key was deleted' });
    expect(await state(sub)).toEqual({ counter: 0, configs: 0 });
  });

  it('creates a new configuration for a key whose record has expired but not yet been removed by TTL', async () => {
    const sub = `user-${randomUUID()}`;
    const key = randomUUID();
    const first = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });
    // DynamoDB's TTL deletes expired items up to days late: the record is there, its expires_at past.
    await ctx.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: ctx.resources.tables.users,
        Key: { pk: { S: `USER#${sub}` }, sk: { S: `IDEMPOTENCY#${key}` } },
        UpdateExpression: 'SET expires_at = :past',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 1) } },
      }),
    );

    const recreated = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });
    const replayOfNew = await createConfiguration(ctx.testApp, sub, validBody(), { 'Idempotency-Key': key });

    expect(first.status).toBe(201);
    expect(recreated.status).toBe(201);
    expect(recreated.body.config_id).not.toBe(first.body.config_id);
    // The key now belongs to the new configuration, and replays it.
    expect(replayOfNew.status).toBe(201);
    expect(replayOfNew.body.config_id).toBe(recreated.body.config_id);
    expect(await state(sub)).toEqual({ counter: 2, configs: 2 });
  });
});
