import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { ProbeController } from '../support/probe.controller';
import { startTestApp, TEST_AUTH, type TestApp } from '../support/test-app';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/**
 * The identity provider rotates its signing key: it publishes a new key next to the old one,
 * signs with the new one, then retires the old one. The service's key-set cache waits 30 s
 * between downloads for unknown key ids; Date.now() (the only clock that wait reads) is shifted
 * instead of waiting.
 */
describe('JWKS key rotation (e2e)', () => {
  let jwksServer: Server;
  let testApp: TestApp;
  let published: JWK[] = [];
  let downloads = 0;
  let shiftMs = 0;
  let nextKey: JWK;
  const keys: Record<string, PrivateKey> = {};

  const publicJwk = async (kid: string): Promise<JWK> => {
    const pair = await generateKeyPair('RS256');
    keys[kid] = pair.privateKey;
    return { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  };
  const tokenSignedWith = (kid: string): Promise<string> =>
    new SignJWT({ roles: [] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject(`user-of-${kid}`)
      .setIssuer(TEST_AUTH.issuer)
      .setAudience(TEST_AUTH.audience)
      .setExpirationTime('10m')
      .sign(keys[kid]);
  const me = async (kid: string) => request(testApp.server).get('/__probe/me').set('Authorization', `Bearer ${await tokenSignedWith(kid)}`);

  beforeAll(async () => {
    const old = await publicJwk('key-2026-a');
    nextKey = await publicJwk('key-2026-b');
    published = [old];
    jwksServer = createServer((_req, res) => {
      downloads += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: published }));
    }).listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    const { port } = jwksServer.address() as AddressInfo;
    testApp = await startTestApp(
      {
        AUTH_JWT_SECRET: undefined,
        AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        // Every request goes through the key set: the verified-token cache (on the real clock) is not under test.
        AUTH_TOKEN_CACHE_SECONDS: '0',
      },
      { controllers: [ProbeController] },
    );
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shiftMs);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await testApp?.close();
    jwksServer?.close();
  });

  it('accepts tokens of the new key once it is published, and refuses the old key once the retired set is downloaded', async () => {
    expect((await me('key-2026-a')).status).toBe(200);
    expect(downloads).toBe(1);

    // Rotation step 1: the new key is published next to the old one and signs from now on.
    published = [published[0], nextKey];
    // Within 30 s of the last download an unknown key id is refused without asking the provider again.
    const tooSoon = await me('key-2026-b');
    expect(tooSoon.status).toBe(401);
    expect(tooSoon.body.code).toBe('UNAUTHENTICATED');
    expect(downloads).toBe(1);

    shiftMs = 31_000;
    const rotated = await me('key-2026-b');
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ sub: 'user-of-key-2026-b', roles: [] });
    expect((await me('key-2026-a')).status).toBe(200);
    expect(downloads).toBe(2);

    // Rotation step 2: the old key is retired. The downloaded set stays in use for its cache age
    // (jose's default, 10 min), then the next token is checked against a fresh download.
    published = [nextKey];
    shiftMs = 31_000 + 5 * 60_000;
    expect((await me('key-2026-a')).status).toBe(200);
    expect(downloads).toBe(2);
    shiftMs = 31_000 + 10 * 60_000 + 1000;
    const retired = await me('key-2026-a');
    expect(retired.status).toBe(401);
    expect(retired.body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(downloads).toBe(3);
    expect((await me('key-2026-b')).status).toBe(200);
    expect(downloads).toBe(3);
  });
});
