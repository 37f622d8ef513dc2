import { SignJWT, type JWTPayload } from 'jose';
import request from 'supertest';
import { useAppWithAws } from '../support/app-with-aws';
import { CONFIGURATIONS, storedState, validBody } from '../support/configurations';
import { TEST_AUTH } from '../support/test-app';

/** Real HS256 tokens; `undefined` removes a claim. */
function hs256(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { sub: 'rules-user', iss: TEST_AUTH.issuer, aud: TEST_AUTH.audience, exp: now + 600, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_AUTH.secret));
}

/** The token rules of API.md against the real AppModule, DynamoDB Local and s3rver. */
describe('token rules (HS256, e2e)', () => {
  const ctx = useAppWithAws(() => ({ AUTH_ROLES_CLAIM: 'cognito:groups' }));
  const get = async (path: string, token: string): Promise<request.Response> =>
    request(ctx.testApp.server).get(path).set('Authorization', `Bearer ${token}`);

  it('answers 401 to an admin token without exp, which would otherwise never expire', async () => {
    const res = await get('/api/v2/quota', await hs256({ exp: undefined, 'cognito:groups': ['admin'] }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHENTICATED', message: 'The token has no "exp" claim' });
  });

  it('answers 401, not 503, to a 5 000-character sub, and stores nothing for it', async () => {
    const sub = 'x'.repeat(5000);
    const res = await request(ctx.testApp.server).post(CONFIGURATIONS).set('Authorization', `Bearer ${await hs256({ sub })}`).send(validBody());
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    const atLimit = await request(ctx.testApp.server)
      .post(CONFIGURATIONS)
      .set('Authorization', `Bearer ${await hs256({ sub: 'y'.repeat(128) })}`)
      .send(validBody());
    expect(atLimit.status).toBe(201);
    expect(await storedState(ctx.clients, ctx.resources.tables.users, 'y'.repeat(128))).toEqual({ counter: 1, configs: 1 });
  });

  it('grants admin routes by the AUTH_ROLES_CLAIM claim only', async () => {
    expect((await get('/api/v2/quota', await hs256({ 'cognito:groups': ['admin'] }))).status).toBe(200);
    const byDefaultClaim = await get('/api/v2/quota', await hs256({ roles: ['admin'] }));
    expect(byDefaultClaim.status).toBe(403);
    expect(byDefaultClaim.body.code).toBe('FORBIDDEN');
  });

  it('matches a token without aud on client_id (a Cognito access token)', async () => {
    const access = await hs256({ aud: undefined, client_id: TEST_AUTH.audience, token_use: 'access' });
    expect((await get(CONFIGURATIONS, access)).status).toBe(200);
    const foreign = await get(CONFIGURATIONS, await hs256({ aud: undefined, client_id: 'another-client' }));
    expect(foreign.status).toBe(401);
    expect((await get(CONFIGURATIONS, await hs256({ aud: undefined }))).status).toBe(401);
  });
});
